import os
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image

from songcraft.providers.errors import ProviderError
from songcraft.providers.video import (
    PHOTOS_PER_PART,
    Caption,
    VideoInfo,
    VideoRenderError,
    _boundaries,
    _parts,
    _pass_on_progress,
    _SlidePlan,
    render_video,
)

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
AUDIO_SECONDS = 9.0
DARK_BLUE = (20, 30, 90)


def ffmpeg(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([FFMPEG, "-hide_banner", "-nostdin", *arguments], capture_output=True, text=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("media")
    made = ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:duration={AUDIO_SECONDS}", "-c:a", "libmp3lame",
                  str(folder / "song.mp3"))  # fmt: skip
    assert made.returncode == 0, made.stderr
    Image.new("RGB", (1600, 1200), DARK_BLUE).save(folder / "landscape.jpg")
    Image.new("RGB", (900, 1600), (90, 20, 30)).save(folder / "portrait.jpg")
    Image.new("RGBA", (640, 640), (20, 90, 30, 128)).save(folder / "square.png")
    (folder / "notes.txt").write_text("not media at all\n")
    return folder


def stream_summary(video: Path) -> str:
    """``ffmpeg -i`` prints the streams on stderr (and exits 1 for want of an output)."""
    return ffmpeg("-i", str(video)).stderr


def duration_of(video: Path) -> float:
    hours, minutes, seconds = re.search(r"Duration: (\d+):(\d+):([\d.]+)", stream_summary(video)).groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def frame_at(video: Path, seconds: float, target: Path) -> Image.Image:
    grabbed = ffmpeg("-ss", str(seconds), "-i", str(video), "-frames:v", "1", "-y", str(target))
    assert grabbed.returncode == 0, grabbed.stderr
    return Image.open(target).convert("RGB")


def white_pixels(image: Image.Image) -> int:
    return sum(image.convert("L").histogram()[221:])


def assert_playable_mp4(video: Path, size: tuple[int, int]):
    decoded = ffmpeg("-v", "error", "-i", str(video), "-f", "null", "-")
    assert decoded.returncode == 0 and decoded.stderr == ""
    summary = stream_summary(video)
    assert re.search(rf"Video: h264 .*yuv420p.*, {size[0]}x{size[1]}", summary), summary
    assert "Audio: aac" in summary
    assert abs(duration_of(video) - AUDIO_SECONDS) < 1.0


def test_ten_photo_landscape_slideshow_is_a_playable_h264_aac_mp4(media, tmp_path):
    output = tmp_path / "song.mp4"
    photos = [str(media / name) for name in ("landscape.jpg", "portrait.jpg", "square.png")] * 3 + [
        str(media / "landscape.jpg")
    ]

    info = render_video(audio_path=str(media / "song.mp3"), image_paths=photos, output_path=str(output))

    assert_playable_mp4(output, (1280, 720))
    assert isinstance(info, VideoInfo)
    assert (info.width, info.height) == (1280, 720)
    assert info.size_bytes == output.stat().st_size > 0
    assert abs(info.duration_seconds - AUDIO_SECONDS) < 1.0


def test_portrait_video_from_a_single_photo(media, tmp_path):
    output = tmp_path / "song.mp4"

    info = render_video(
        audio_path=str(media / "song.mp3"),
        image_paths=[str(media / "landscape.jpg")],
        output_path=str(output),
        video_format="9:16",
    )

    assert_playable_mp4(output, (720, 1280))
    assert (info.width, info.height) == (720, 1280)


def test_captions_are_burned_in_only_while_they_are_due(media, tmp_path):
    output = tmp_path / "song.mp4"
    captions = [Caption(1.0, 4.0, "Happy birthday dear Anna"), Caption(6.0, 8.5, "Hip hip hooray")]

    render_video(
        audio_path=str(media / "song.mp3"),
        image_paths=[str(media / "landscape.jpg")] * 2,
        output_path=str(output),
        captions=captions,
    )

    assert_playable_mp4(output, (1280, 720))
    assert white_pixels(frame_at(output, 2.5, tmp_path / "during.png")) > 500
    assert white_pixels(frame_at(output, 5.0, tmp_path / "between.png")) == 0


def test_1080p_portrait_with_a_caption_while_it_is_sung(media, tmp_path):
    output = tmp_path / "song.mp4"
    render_video(audio_path=str(media / "song.mp3"), image_paths=[str(media / "portrait.jpg"), str(media / "landscape.jpg")],
                 output_path=str(output), video_format="9:16", resolution=1080, captions=[Caption(5.0, 7.0, "Hip hip hooray")])

    assert_playable_mp4(output, (1080, 1920))
    assert white_pixels(frame_at(output, 2.0, tmp_path / "before.png")) == 0
    assert white_pixels(frame_at(output, 6.0, tmp_path / "during.png")) > 500


def test_ten_photos_render_in_parts_joined_without_a_lost_or_doubled_frame(media, tmp_path):
    song, output = tmp_path / "long.mp3", tmp_path / "song.mp4"
    assert ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=24", "-c:a", "libmp3lame", str(song)).returncode == 0
    plan = _SlidePlan.build(24.0, 10, [], 25)
    parts = _parts(plan)
    assert [list(shown) for shown, _, _ in parts] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and PHOTOS_PER_PART == 4
    assert [first for _, first, _ in parts] == [0, parts[0][2], parts[0][2] + parts[1][2]]
    assert sum(frames for _, _, frames in parts) == plan.total_frames == 600

    reported = []
    render_video(audio_path=str(song), image_paths=[str(media / "landscape.jpg"), str(media / "portrait.jpg")] * 5,
                 output_path=str(output), captions=[Caption(6.0, 12.0, "Across the join")],  # the first join is near 9.6 s
                 progress=reported.append)

    assert reported == sorted(set(reported)) and 90 <= reported[-1] <= 100 and len(reported) >= len(parts)  # rising through every part

    frames = ffmpeg("-v", "error", "-i", str(output), "-map", "0:v", "-f", "framemd5", "-").stdout
    assert len([line for line in frames.splitlines() if line and not line.startswith("#")]) == 600
    assert abs(duration_of(output) - 24.0) < 0.2
    assert parts[0][2] / 25 < 11.0
    assert white_pixels(frame_at(output, 7.0, tmp_path / "before-join.png")) > 500
    assert white_pixels(frame_at(output, 11.0, tmp_path / "after-join.png")) > 500
    assert white_pixels(frame_at(output, 13.0, tmp_path / "none.png")) == 0


def test_broken_audio_raises_with_ffmpeg_stderr(media, tmp_path):
    with pytest.raises(VideoRenderError, match="Invalid data found"):
        render_video(
            audio_path=str(media / "notes.txt"),
            image_paths=[str(media / "landscape.jpg")],
            output_path=str(tmp_path / "song.mp4"),
        )


def test_temporary_files_are_removed_after_success_and_failure(media, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    render_video(
        audio_path=str(media / "song.mp3"),
        image_paths=[str(media / "square.png")],
        output_path=str(tmp_path / "song.mp4"),
        temp_dir=str(scratch),
    )
    assert list(scratch.iterdir()) == []
    # The half-transparent dark green photo is flattened onto white, not black.
    red, green, blue = frame_at(tmp_path / "song.mp4", 4.0, tmp_path / "frame.png").getpixel((640, 360))
    assert green > 150 and red > 100

    with pytest.raises(VideoRenderError, match="notes.txt cannot be read"):
        render_video(
            audio_path=str(media / "song.mp3"),
            image_paths=[str(media / "landscape.jpg"), str(media / "notes.txt")],
            output_path=str(tmp_path / "broken.mp4"),
            temp_dir=str(scratch),
        )
    assert list(scratch.iterdir()) == []


def test_a_failed_render_is_a_provider_error_so_the_customer_is_told_why():
    assert issubclass(VideoRenderError, ProviderError)


def test_progress_comes_from_ffmpeg_and_reaches_the_end(media, tmp_path):
    reported = []
    render_video(audio_path=str(media / "song.mp3"), image_paths=[str(media / "landscape.jpg")],
                 output_path=str(tmp_path / "song.mp4"), progress=reported.append)
    assert reported and reported == sorted(set(reported)) and 90 <= reported[-1] <= 100


def test_progress_lines_become_rising_whole_percents():
    lines = [b"frame=1\n", b"out_time_us=N/A\n", b"out_time_us=250000\n", b"progress=continue\n", b"out_time_us=260000\n",
             b"out_time_us=2000000\n", b"out_time_us=4100000\n", b"progress=end\n"]
    reported = []
    _pass_on_progress(iter(lines), reported.append, output_seconds=4.0)
    assert reported == [6, 50, 100]


def test_a_progress_callback_that_raises_stops_ffmpeg_and_cleans_up(media, tmp_path):
    class Stopped(Exception):
        pass

    def stop(percent):
        raise Stopped

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(Stopped):
        render_video(audio_path=str(media / "song.mp3"), image_paths=[str(media / "landscape.jpg")],
                     output_path=str(tmp_path / "song.mp4"), temp_dir=str(scratch), progress=stop)
    assert list(scratch.iterdir()) == []
    children = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True).stdout.split()
    assert not any("ffmpeg" in Path(f"/proc/{pid}/cmdline").read_text() for pid in children if Path(f"/proc/{pid}").exists())


def test_running_out_of_time_raises(media, tmp_path):
    with pytest.raises(VideoRenderError, match="timed out|Timed out"):
        render_video(
            audio_path=str(media / "song.mp3"),
            image_paths=[str(media / "landscape.jpg")],
            output_path=str(tmp_path / "song.mp4"),
            timeout=0.001,
        )


def test_rejects_too_many_photos_and_unknown_formats(media, tmp_path):
    arguments = {"audio_path": str(media / "song.mp3"), "output_path": str(tmp_path / "song.mp4")}
    with pytest.raises(ValueError, match="between 1 and 10"):
        render_video(image_paths=[str(media / "landscape.jpg")] * 11, **arguments)
    with pytest.raises(ValueError, match="video_format"):
        render_video(image_paths=[str(media / "landscape.jpg")], video_format="4:3", **arguments)
    with pytest.raises(ValueError, match="resolution"):
        render_video(image_paths=[str(media / "landscape.jpg")], resolution=480, **arguments)


def test_photo_changes_snap_to_nearby_caption_starts():
    # Even spacing would change photos at 30 s and 60 s; captions start near both.
    starts = [0.0, 27.5, 33.0, 58.0, 70.0]

    assert _boundaries(90.0, 3, starts, min_gap=3.0) == [27.5, 58.0]


def test_photo_changes_stay_even_without_captions_nearby():
    assert _boundaries(90.0, 3, [1.0, 89.0], min_gap=3.0) == [30.0, 60.0]

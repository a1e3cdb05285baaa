"""Render a song's MP4: a photo slideshow with slow zoom/pan, crossfades and captions.

Everything runs through the ffmpeg binary shipped by ``imageio-ffmpeg``:

* Photos are composed once with Pillow into a frame slightly larger than the
  output (``video_photos.py``), so ffmpeg never handles full-size camera images.
* Each photo becomes a Ken Burns clip (a single decoded image turned into
  frames): a zoom with ``zoompan``, or a pan as a moving ``crop`` that scales
  nothing. Only the one-second crossfades between clips are blended.
* The frame is 720p or 1080p (``resolution``, the short side), in 16:9 or 9:16.
* The video is encoded in parts of ``PHOTOS_PER_PART`` photos, one ffmpeg
  process each (their memory grows with the photos they hold), while another
  encodes the song to AAC; a last pass joins them without re-encoding.
* Captions are drawn into transparent PNG bands with Pillow and played as a
  ``concat`` image sequence through a single ``overlay``. That works with any
  ffmpeg build and font setup, unlike ``drawtext``/``subtitles``.
* ffmpeg's own progress report (``-progress pipe:1``) reaches the caller's
  ``progress`` callback as 0-100, so a long render shows it is moving.
"""
from __future__ import annotations

import bisect
import os
import re
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import imageio_ffmpeg

from songcraft.providers.errors import VideoRenderError
from songcraft.providers.video_captions import Caption, CaptionTrack, draw_captions, tidy_captions
from songcraft.providers.video_photos import ZOOM, prepare_photos

FORMATS = ("16:9", "9:16")
RESOLUTIONS = (720, 1080)  # the frame's short side
MAX_IMAGES = 10
MIN_SECONDS_PER_PHOTO = 2.0  # a very short song shows fewer photos rather than a flicker
CROSSFADE_SECONDS = 1.0
STDERR_TAIL_CHARS = 2000
# Measured on 2 cores (benchmarks/render_video.py): ultrafast encodes for about half the CPU of
# superfast, at about twice the bitrate; "-tune stillimage" saves no CPU for moving photos.
X264_PRESET = "ultrafast"
X264_CRF = 23

_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")


@dataclass(frozen=True)
class VideoInfo:
    duration_seconds: float
    width: int
    height: int
    size_bytes: int


def render_video(
    *,
    audio_path: str,
    image_paths: list[str],
    output_path: str,
    video_format: str = "16:9",
    resolution: int = 720,
    captions: list[Caption] | None = None,
    timeout: float = 600,
    fps: int = 25,
    temp_dir: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> VideoInfo:
    """Render ``output_path`` (H.264/AAC MP4) as long as the audio; 1 to 10 photos.

    ``timeout`` bounds the whole render; ffmpeg is killed when it runs out.
    Temporary files live in a directory under ``temp_dir`` (default: the
    system's) that is removed however the render ends. ``progress`` receives
    the share of the video encoded so far (0-100) as ffmpeg reports it; if it
    raises, ffmpeg is stopped and the exception goes on.
    """
    if video_format not in FORMATS:
        raise ValueError(f"video_format must be one of {sorted(FORMATS)}")
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}")
    if not 1 <= len(image_paths) <= MAX_IMAGES:
        raise ValueError(f"between 1 and {MAX_IMAGES} images are needed")
    frame_size = frame_size_of(video_format, resolution)
    ffmpeg = _Ffmpeg(deadline=time.monotonic() + timeout)
    duration = ffmpeg.duration_of(audio_path)
    photo_paths = image_paths[: max(1, int(duration / MIN_SECONDS_PER_PHOTO))]
    shown_captions = tidy_captions(captions or [], duration)
    plan = _SlidePlan.build(duration, len(photo_paths), shown_captions, fps)
    with tempfile.TemporaryDirectory(prefix="songcraft-video-", dir=temp_dir) as work_dir:
        work = Path(work_dir)
        photos = prepare_photos(photo_paths, frame_size, work)
        sound = work / "sound.m4a"
        # The song is encoded to AAC alongside the video (another core's work), ready for the join.
        with ThreadPoolExecutor(max_workers=1) as background:
            encoding = background.submit(ffmpeg.run, _audio_command(audio_path, str(sound)), what="encode the song")
            parts = _render_parts(ffmpeg, photos, shown_captions, plan, frame_size, work, progress)
            encoding.result()
        ffmpeg.run(_mux_command(parts, str(sound), plan.total_frames / plan.fps, work, output_path), what="add the song")
    return VideoInfo(
        duration_seconds=ffmpeg.duration_of(output_path),
        width=frame_size[0],
        height=frame_size[1],
        size_bytes=os.path.getsize(output_path),
    )


def _render_parts(ffmpeg: _Ffmpeg, photos: list[Path], shown_captions: list[Caption], plan: _SlidePlan,
                  frame_size: tuple[int, int], work: Path, progress: Callable[[int], None] | None) -> list[Path]:
    """Encode the video's parts in turn (see ``_parts``); their files, in order."""
    parts, overall = [], _OverallProgress(progress, plan.total_frames)
    (work / "captions").mkdir()
    art = draw_captions(shown_captions, frame_size, work / "captions")
    for number, (shown, first_frame, frames) in enumerate(_parts(plan)):
        part = work / f"part{number}.mp4"
        seconds = frames / plan.fps
        caption_track = art.track(first_frame / plan.fps, seconds, work / "captions" / f"part{number}.ffconcat") if art else None
        command = _part_command(photos, shown, caption_track, plan, frame_size, str(part), seconds)
        ffmpeg.run(command, what="render the video", progress=overall.of_part(first_frame, frames),
                   output_seconds=seconds)
        parts.append(part)
    return parts


def frame_size_of(video_format: str, resolution: int) -> tuple[int, int]:
    """(width, height): 1280×720 or 1920×1080, on its side for 9:16."""
    long_side = resolution * 16 // 9
    return (long_side, resolution) if video_format == "16:9" else (resolution, long_side)


class _Ffmpeg:
    """Runs the bundled ffmpeg within one overall deadline."""

    def __init__(self, deadline: float):
        self.executable = imageio_ffmpeg.get_ffmpeg_exe()
        self.deadline = deadline

    def run(self, arguments: list[str], what: str, check: bool = True,
            progress: Callable[[int], None] | None = None, output_seconds: float = 0.0) -> str:
        """Run ffmpeg and return its stderr; failures become ``VideoRenderError``.

        With ``progress``, ffmpeg reports on stdout (``-progress pipe:1``) how much
        of the ``output_seconds`` it has written, passed on as 0-100.
        """
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise VideoRenderError(f"Timed out before ffmpeg could {what}.")
        reporting = ["-progress", "pipe:1", "-nostats"] if progress else []
        with tempfile.TemporaryFile() as stderr_file:
            process = subprocess.Popen([self.executable, "-hide_banner", "-nostdin", *reporting, *arguments],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr_file)
            timed_out = threading.Event()
            watchdog = threading.Timer(remaining, lambda: (timed_out.set(), process.kill()))
            watchdog.start()
            try:
                _pass_on_progress(process.stdout, progress, output_seconds)
                returncode = process.wait()
            finally:
                watchdog.cancel()
                if process.poll() is None:  # the progress callback raised: stop ffmpeg too
                    process.kill()
                    process.wait()
                process.stdout.close()
            stderr_file.seek(0)
            stderr = stderr_file.read().decode("utf-8", "replace")
        if timed_out.is_set():
            raise VideoRenderError(f"ffmpeg timed out trying to {what}: {_tail(stderr)}")
        if check and returncode != 0:
            raise VideoRenderError(f"ffmpeg failed to {what} (exit {returncode}): {_tail(stderr)}")
        return stderr

    def duration_of(self, media_path: str) -> float:
        """The container duration from ``ffmpeg -i`` (the wheel ships no ffprobe)."""
        # Without an output ffmpeg always exits non-zero, so judge by stderr.
        stderr = self.run(["-i", media_path], what=f"read {Path(media_path).name}", check=False)
        match = _DURATION.search(stderr)
        if not match or "Audio:" not in stderr:
            raise VideoRenderError(f"{Path(media_path).name} is not a readable audio file: {_tail(stderr)}")
        hours, minutes, seconds = match.groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _pass_on_progress(stdout, progress: Callable[[int], None] | None, output_seconds: float) -> None:
    """Read ffmpeg's ``key=value`` progress lines until it closes stdout, reporting each new whole percent."""
    reported = -1
    for line in stdout:
        key, _, value = line.decode("ascii", "replace").strip().partition("=")
        if progress is None or key != "out_time_us" or not value.isdigit() or output_seconds <= 0:
            continue
        percent = min(100, int(int(value) / 1e6 / output_seconds * 100))
        if percent > reported:
            reported = percent
            progress(percent)


def _tail(stderr: str) -> str:
    return stderr.strip()[-STDERR_TAIL_CHARS:]


@dataclass(frozen=True)
class _SlidePlan:
    """How many frames each photo's clip lasts, and how many of them fade into the next clip.

    Clips overlap by ``crossfade_frames``; boundaries sit in the middle of each
    crossfade, so the clips add up to exactly ``total_frames``.
    """

    fps: int
    total_frames: int
    clip_frames: tuple[int, ...]
    crossfade_frames: int

    @classmethod
    def build(cls, duration: float, photo_count: int, captions: list[Caption], fps: int) -> _SlidePlan:
        total_frames = max(1, round(duration * fps))
        slot = duration / photo_count
        crossfade = min(CROSSFADE_SECONDS, slot / 3)
        half_fade = round(crossfade * fps / 2)
        boundaries = _boundaries(duration, photo_count, sorted(c.start for c in captions), min_gap=3 * crossfade)
        edges = [0, *(round(b * fps) for b in boundaries), total_frames]
        clip_frames = tuple(
            end - start + (half_fade if index > 0 else 0) + (half_fade if index < photo_count - 1 else 0)
            for index, (start, end) in enumerate(zip(edges, edges[1:]))
        )
        return cls(fps, total_frames, clip_frames, 2 * half_fade)


def _boundaries(duration: float, photo_count: int, caption_starts: list[float], min_gap: float) -> list[float]:
    """Photo changes spread evenly, each moved to the nearest caption start within half a slot.

    ``min_gap`` keeps every photo on screen for a while, whatever the captions say.
    """
    slot = duration / photo_count
    boundaries: list[float] = []
    for index in range(1, photo_count):
        earliest = (boundaries[-1] if boundaries else 0) + min_gap
        latest = duration - (photo_count - index) * min_gap
        even = min(max(index * slot, earliest), latest)
        nearby = [
            start
            for start in caption_starts[bisect.bisect_left(caption_starts, even - slot / 2):]
            if start <= even + slot / 2 and earliest <= start <= latest
        ]
        boundaries.append(min(nearby, key=lambda start: abs(start - even), default=even))
    return boundaries


PHOTOS_PER_PART = 4  # each part is one ffmpeg process, whose memory grows with the photos it holds


def _parts(plan: _SlidePlan) -> list[tuple[range, int, int]]:
    """The photos in runs of ``PHOTOS_PER_PART``: (photos, first frame, frames) of each part of the video.

    A part begins with the fade from the previous photo, so no fade straddles two parts.
    """
    count, fade = len(plan.clip_frames), plan.crossfade_frames
    parts, first_frame = [], 0
    for start in range(0, count, PHOTOS_PER_PART):
        shown = range(start, min(start + PHOTOS_PER_PART, count))
        # Each clip overlaps the previous one by a fade; the last of the song has no fade after it.
        frames = sum(plan.clip_frames[index] - (fade if index < count - 1 else 0) for index in shown)
        parts.append((shown, first_frame, frames))
        first_frame += frames
    return parts


class _OverallProgress:
    """The parts' progress (0-100 of each part's frames) as the whole video's, each new percent once."""

    def __init__(self, progress: Callable[[int], None] | None, total_frames: int):
        self._progress, self._total, self._reported = progress, total_frames, -1

    def of_part(self, first_frame: int, frames: int) -> Callable[[int], None] | None:
        if self._progress is None:
            return None
        return lambda percent: self._report((first_frame + frames * percent // 100) * 100 // self._total)

    def _report(self, overall: int) -> None:
        if overall > self._reported:
            self._reported = overall
            self._progress(overall)


def _photos_used(shown: range) -> range:
    """The photos a part reads: those it shows, and the one before, whose tail fades into the first."""
    return range(max(shown.start - 1, 0), shown.stop)


def _part_command(photos: list[Path], shown: range, caption_track: CaptionTrack | None, plan: _SlidePlan,
                  frame_size: tuple[int, int], output_path: str, seconds: float) -> list[str]:
    """Encode the part of the video showing photos ``shown`` (with the previous photo's fade into the first)."""
    used = _photos_used(shown)
    inputs = [argument for index in used for argument in ("-framerate", str(plan.fps), "-i", str(photos[index]))]
    filters = _slideshow_filters(plan, frame_size, shown)
    video = "[slides]"
    if caption_track:
        inputs += ["-f", "concat", "-i", str(caption_track.listing)]
        filters.append(f"{video}[{len(used)}:v]overlay=x={caption_track.x}:y={caption_track.y}:format=yuv420[captioned]")
        video = "[captioned]"
    filters.append(f"{video}format=yuv420p[video]")
    return [
        "-loglevel", "error",
        *inputs,
        "-filter_complex", ";".join(filters),
        "-map", "[video]",
        "-c:v", "libx264", "-preset", X264_PRESET, "-crf", str(X264_CRF),
        "-t", f"{seconds:.3f}",
        "-y", output_path,
    ]  # fmt: skip


def _audio_command(audio_path: str, output_path: str) -> list[str]:
    return ["-loglevel", "error", "-i", audio_path, "-map", "0:a:0", "-c:a", "aac", "-b:a", "160k", "-y", output_path]


def _mux_command(parts: list[Path], sound_path: str, seconds: float, work: Path, output_path: str) -> list[str]:
    """Join the parts' H.264 and the song's AAC as they are (no re-encoding)."""
    listing = work / "parts.ffconcat"
    listing.write_text("ffconcat version 1.0\n" + "".join(f"file '{part.name}'\n" for part in parts))
    return [
        "-loglevel", "error",
        "-f", "concat", "-i", str(listing), "-i", sound_path,
        "-map", "0:v", "-map", "1:a:0",
        "-c", "copy",
        "-t", f"{seconds:.3f}",
        "-movflags", "+faststart",
        "-y", output_path,
    ]  # fmt: skip


def _slideshow_filters(plan: _SlidePlan, frame_size: tuple[int, int], shown: range) -> list[str]:
    """The photos' Ken Burns clips, crossfaded, as ``[slides]``.

    Each clip is cut into its head (faded in over the previous clip's tail), body and tail,
    each generated on its own from the photo. The bodies and the fades are joined by one
    ``concat``, so only the short fades are blended (an alpha ``fade`` and an ``overlay``) and
    no frame passes a chain of ``xfade`` filters over whole clips, which costs about twice the
    CPU and memory (measured in benchmarks/render_video.py).
    """
    fade = plan.crossfade_frames
    count = len(plan.clip_frames)
    filters, order = [], []
    for input_index, index in enumerate(_photos_used(shown)):
        frames = plan.clip_frames[index]
        head, tail = (fade if index > 0 else 0), (fade if index < count - 1 else 0)
        parts = [(name, first, length) for name, first, length in
                 (("head", 0, head), ("body", head, frames - head - tail), ("tail", frames - tail, tail))
                 if length > 0 and (index + 1 in shown if name == "tail" else index in shown)]  # tails fade into the next
        branches = "".join(f"[{name}{index}in]" for name, _, _ in parts)
        filters.append(f"[{input_index}:v]scale=out_range=tv,format=yuv420p,split={len(parts)}{branches}")
        filters += [f"[{name}{index}in]{_motion(index, first, length, frames, frame_size, plan.fps)}[{name}{index}]"
                    for name, first, length in parts]
        if index not in shown:
            continue
        if head:
            filters.append(f"[head{index}]format=yuva420p,fade=t=in:s=0:n={fade}:alpha=1[faded{index}]")
            filters.append(f"[tail{index - 1}][faded{index}]overlay=format=yuv420:shortest=1[fade{index}]")
            order.append(f"[fade{index}]")
        order.append(f"[body{index}]")
    # ``copy`` hands every frame on in a buffer of its own: the generators' buffers come back at
    # once instead of waiting in the encoder's queue, which would make each of them keep a
    # queue's worth of frames (about 100 MB less at 1080p).
    filters.append("".join(order) + f"concat=n={len(order)}:v=1:a=0,copy[slides]")
    return filters


_MOTIONS = (
    # (zoom, x position 0..1) as expressions of the clip's progress p (0..1); always vertically centred
    ("1+{zoom}*{p}", "0.5"),  # zoom in on the centre
    (None, "{p}"),  # pan left to right
    ("1+{zoom}-{zoom}*{p}", "0.5"),  # zoom out from the centre
    (None, "1-{p}"),  # pan right to left
)


def _motion(index: int, first: int, length: int, clip_frames: int, frame_size: tuple[int, int], fps: int) -> str:
    """Frames ``first`` to ``first + length`` of photo ``index``'s Ken Burns clip of ``clip_frames`` frames.

    The photo is ``1 + ZOOM`` times the frame, so a pan is a moving ``crop`` of it with no
    scaling at all (and encodes cheaply: every frame is the last one moved); only zooms resample,
    with ``zoompan``. Both step in whole pixels, as ``zoompan`` always has.
    """
    zoom, x = _MOTIONS[index % len(_MOTIONS)]
    width, height = frame_size
    timing = f"settb=1/{fps},setpts=N,setsar=1"
    if zoom is None:
        progress = f"((n+{first})/{max(clip_frames - 1, 1)})"
        return f"loop=loop={length - 1}:size=1,crop={width}:{height}:x='(iw-ow)*({x.format(p=progress)})':y='(ih-oh)/2',{timing}"
    progress = f"((on+{first})/{max(clip_frames - 1, 1)})"
    return (f"zoompan=z='{zoom.format(zoom=ZOOM, p=progress)}':x='(iw-iw/zoom)*({x.format(p=progress)})':y='(ih-ih/zoom)/2'"
            f":d={length}:s={width}x{height}:fps={fps},{timing}")

"""Benchmark the MP4 renderer: wall time and peak memory for a 1-minute and a 3-minute video.

Run: .venv/bin/python benchmarks/render_video.py
Each video renders in a fresh process with 10 camera-sized photos (mixed
orientations) and a caption every 4 seconds, so RUSAGE_CHILDREN's ru_maxrss is
the peak of that render's own ffmpeg; the Python side (Pillow) is reported too.
ffmpeg's CPU seconds are less sensitive than wall time to other load on the machine.
"""
from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PHOTO_SIZES = ((4000, 3000), (3000, 4000), (1920, 1080), (1080, 1920), (2400, 2400))
PHOTO_COUNT = 10
DURATIONS = (60, 180)


def _make_photos(folder: Path) -> list[str]:
    from PIL import Image, ImageDraw

    rng = random.Random(7)
    paths = []
    for index in range(PHOTO_COUNT):
        width, height = PHOTO_SIZES[index % len(PHOTO_SIZES)]
        photo = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(photo)
        for _ in range(60):
            x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(50, width // 6)
            draw.ellipse((x, y, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
        path = folder / f"photo{index}.jpg"
        photo.save(path, quality=90)
        paths.append(str(path))
    return paths


def _make_song(folder: Path, seconds: int) -> str:
    import imageio_ffmpeg

    path = folder / f"song{seconds}.mp3"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}",
         "-c:a", "libmp3lame", "-b:a", "192k", str(path)],
        check=True,
    )  # fmt: skip
    return str(path)


def _render_one(song: str, photos: list[str], output: str, video_format: str) -> dict:
    from songcraft.providers.video import Caption, render_video

    captions = [Caption(start, start + 3.5, f"Line {start // 4} of the birthday song, sing along") for start in range(0, 600, 4)]
    started = time.perf_counter()
    info = render_video(audio_path=song, image_paths=photos, output_path=output, video_format=video_format, captions=captions)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "video_s": info.duration_seconds,
        "wall_s": time.perf_counter() - started,
        "ffmpeg_cpu_s": children.ru_utime + children.ru_stime,
        "ffmpeg_peak_mb": children.ru_maxrss / 1024,
        "python_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "size_mb": info.size_bytes / 1e6,
    }


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--one":
        song, output, video_format, photos_json = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
        print(json.dumps(_render_one(song, json.loads(photos_json), output, video_format)))
        return
    formats = sys.argv[1:] or ["16:9"]
    print(f"{'format':>6} {'video s':>8} {'wall s':>7} {'x realtime':>10} {'ffmpeg CPU s':>12} "
          f"{'ffmpeg MB':>10} {'python MB':>10} {'MP4 MB':>7}")
    with tempfile.TemporaryDirectory() as folder:
        photos = _make_photos(Path(folder))
        for seconds in DURATIONS:
            song = _make_song(Path(folder), seconds)
            for video_format in formats:
                output = str(Path(folder) / f"video{seconds}.mp4")
                done = subprocess.run(
                    [sys.executable, __file__, "--one", song, output, video_format, json.dumps(photos)],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
                result = json.loads(done.stdout)
                print(
                    f"{video_format:>6} {result['video_s']:8.1f} {result['wall_s']:7.1f}"
                    f" {result['video_s'] / result['wall_s']:10.1f} {result['ffmpeg_cpu_s']:12.1f} {result['ffmpeg_peak_mb']:10.0f}"
                    f" {result['python_peak_mb']:10.0f} {result['size_mb']:7.1f}"
                )


if __name__ == "__main__":
    main()

"""Benchmark the MP4 renderer against the graph it replaced, in the same run.

Run: .venv/bin/python benchmarks/render_video.py [--durations 60,180] [--format 16:9]
Each render runs in a fresh process with 10 camera-sized photos (mixed orientations) and a
caption every 4 seconds: the baseline (the old graph, benchmarks/video_baseline.py, at 720p),
then the current renderer at 720p and at 1080p. For each it prints the real-time factor (song
seconds ÷ wall seconds), ffmpeg's CPU seconds (RUSAGE_CHILDREN; steadier than wall time on a
shared machine) and the real-time factor per CPU second (song seconds ÷ CPU seconds), ffmpeg's
peak RSS and the MP4's size, and the ratios of speed and CPU to the baseline.

ffmpeg's peak is the largest VmHWM of its processes, polled from /proc while they run:
RUSAGE_CHILDREN's ru_maxrss also counts the Python parent's pages at fork time, which would
charge Pillow's memory to ffmpeg (so does /proc for a child not yet turned into ffmpeg).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PHOTO_SIZES = ((4000, 3000), (3000, 4000), (1920, 1080), (1080, 1920), (2400, 2400))
PHOTO_COUNT = 10
RUNS = (("baseline", 720), ("current", 720), ("current", 1080))


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


class _ChildPeak:
    """The largest VmHWM (peak RSS since exec) seen among this process's children, polled every 50 ms."""

    def __init__(self):
        self.kilobytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> _ChildPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.wait(0.05):
            for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
                for pid in _read(children).split():
                    status = dict(line.split(":", 1) for line in _read(Path(f"/proc/{pid}/status")).splitlines() if ":" in line)
                    # Between fork and exec a child still shows the Python parent's memory: count ffmpeg only.
                    if "ffmpeg" in status.get("Name", "") and "VmHWM" in status:
                        self.kilobytes = max(self.kilobytes, int(status["VmHWM"].split()[0]))


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the process ended meanwhile
        return ""


def _render_one(mode: str, resolution: int, song: str, photos: list[str], output: str, video_format: str) -> dict:
    from songcraft.providers import video

    if mode == "baseline":
        import video_baseline  # next to this script

        video._parts, video._part_command = video_baseline.one_part, video_baseline.part_command
    captions = [video.Caption(start, start + 3.5, f"Line {start // 4} of the birthday song, sing along") for start in range(0, 600, 4)]
    started = time.perf_counter()
    with _ChildPeak() as peak:
        info = video.render_video(audio_path=song, image_paths=photos, output_path=output, video_format=video_format,
                                  resolution=resolution, captions=captions)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "video_s": info.duration_seconds,
        "wall_s": time.perf_counter() - started,
        "ffmpeg_cpu_s": children.ru_utime + children.ru_stime,
        "ffmpeg_peak_mb": peak.kilobytes / 1024,
        "size_mb": info.size_bytes / 1e6,
    }


def main() -> None:
    if len(sys.argv) == 8 and sys.argv[1] == "--one":
        mode, resolution, song, output, video_format, photos_json = sys.argv[2:]
        print(json.dumps(_render_one(mode, int(resolution), song, json.loads(photos_json), output, video_format)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", default="60,180", help="song lengths in seconds, comma-separated")
    parser.add_argument("--format", default="16:9", choices=("16:9", "9:16"))
    arguments = parser.parse_args()
    print(f"{'run':>15} {'video s':>7} {'wall s':>7} {'×realtime':>9} {'ffmpeg CPU s':>12} {'×rt per CPU':>11} "
          f"{'ffmpeg MB':>9} {'MP4 MB':>7} {'speed vs base':>13} {'CPU vs base':>11}")
    with tempfile.TemporaryDirectory() as folder:
        photos = _make_photos(Path(folder))
        for seconds in (int(value) for value in arguments.durations.split(",")):
            song = _make_song(Path(folder), seconds)
            baseline = None
            for mode, resolution in RUNS:
                output = str(Path(folder) / f"video{seconds}.mp4")
                done = subprocess.run(
                    [sys.executable, __file__, "--one", mode, str(resolution), song, output, arguments.format, json.dumps(photos)],
                    check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1],
                )  # fmt: skip
                result = json.loads(done.stdout)
                speed = result["video_s"] / result["wall_s"]
                baseline = baseline or (speed, result["ffmpeg_cpu_s"])
                print(
                    f"{mode + ' ' + str(resolution) + 'p':>15} {result['video_s']:7.1f} {result['wall_s']:7.1f} {speed:9.1f}"
                    f" {result['ffmpeg_cpu_s']:12.1f} {result['video_s'] / result['ffmpeg_cpu_s']:11.1f}"
                    f" {result['ffmpeg_peak_mb']:9.0f} {result['size_mb']:7.1f}"
                    f" {speed / baseline[0]:12.2f}× {result['ffmpeg_cpu_s'] / baseline[1]:10.2f}×",
                    flush=True,
                )


if __name__ == "__main__":
    main()

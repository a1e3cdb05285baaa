"""Benchmark the offline synthesizer: wall and CPU time, and peak memory, for 1- to 4-minute songs.

Run: .venv/bin/python benchmarks/render_audio.py
Each song renders in a fresh process, so its peak RSS (ru_maxrss) is its own. "baseline" is the RSS
after imports and before rendering (the songcraft package alone pulls in Flask, SQLAlchemy...).
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_LINES = [
    "Anya wakes up to the morning light",
    "Coffee in her hand and the city bright",
    "Every little moment that we used to share",
    "Dancing in the kitchen without any care",
    "Happy birthday, sing it loud tonight",
    "Everything we are is shining bright",
    "Hold on to the summer and the songs we knew",
    "Thirty years of laughter and I'm here with you",
]
_KINDS = ("verse", "chorus", "verse", "bridge", "chorus")


def _lyrics_text(lines: int) -> str:
    blocks, index = [], 0
    while index < lines:
        kind = _KINDS[len(blocks) % len(_KINDS)]
        count = min(4, lines - index)
        body = "\n".join(_LINES[(index + k) % len(_LINES)] for k in range(count))
        blocks.append(f"[{kind.title()}]\n{body}")
        index += count
    return "\n\n".join(blocks)


def _render_one(lines: int, genre: str) -> dict:
    from songcraft.providers.audio.base import AudioRequest
    from songcraft.providers.audio.local import LocalAudioProvider
    from songcraft.providers.lyrics.base import Lyrics

    provider = LocalAudioProvider()
    request = AudioRequest("Bench", Lyrics.from_text("Bench", _lyrics_text(lines)), genre, "joyful", seed=1)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu_started = time.perf_counter(), time.process_time()
    take = provider.wait(provider.submit(request), request)[0]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"song_s": take.duration_seconds, "wall_s": elapsed, "cpu_s": cpu, "baseline_mb": baseline, "peak_mb": peak}


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(_render_one(int(sys.argv[2]), sys.argv[3])))
        return
    cases = [("10 lines", 10, "pop"), ("40 lines", 40, "pop"), ("40 lines", 40, "ballad"), ("52 lines", 52, "pop")]
    print(f"{'case':<10} {'genre':<8} {'song s':>7} {'wall s':>7} {'cpu s':>6} {'x realtime':>10} {'x (cpu)':>8} "
          f"{'baseline MB':>11} {'peak MB':>8}")
    for name, lines, genre in cases:
        command = [sys.executable, __file__, "--one", str(lines), genre]
        run = subprocess.run(command, capture_output=True, text=True, check=True)
        r = json.loads(run.stdout.strip().splitlines()[-1])
        print(
            f"{name:<10} {genre:<8} {r['song_s']:>7.1f} {r['wall_s']:>7.2f} {r['cpu_s']:>6.2f} {r['song_s'] / r['wall_s']:>10.1f}"
            f" {r['song_s'] / r['cpu_s']:>8.1f} {r['baseline_mb']:>11.0f} {r['peak_mb']:>8.0f}"
        )


if __name__ == "__main__":
    main()

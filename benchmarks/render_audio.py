"""Benchmark the offline synthesizer: speed (song seconds per CPU second) and peak memory, 1- to 4-minute songs.

Run: .venv/bin/python benchmarks/render_audio.py [--baseline CHECKOUT] [--rounds N]
Each song renders in a fresh process, so its peak RSS (ru_maxrss) is its own. "after imports" is the
RSS after importing the app and before rendering (the songcraft package alone pulls in Flask,
SQLAlchemy...). Speed is the song's duration over the process's CPU time (user + sys, every thread):
the wall clock is shown too, but on a shared machine it swings with other work. With --baseline, the
same cases render from another checkout (e.g. `git worktree add /tmp/synth-base main`) in the same
run, the two trees taking turns to go first; figures are medians over the rounds.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

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


def _measure(root: str, lines: int, genre: str) -> dict:
    command = [sys.executable, __file__, "--one", root, str(lines), genre]
    # As a Celery pool process renders (celery_worker.py): numpy's BLAS on one thread.
    run = subprocess.run(command, capture_output=True, text=True, check=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        sys.path.insert(0, str(Path(sys.argv[2]).resolve()))
        print(json.dumps(_render_one(int(sys.argv[3]), sys.argv[4])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="another checkout, measured the same way in the same run")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    trees = {"this tree": str(ROOT)} | ({"baseline": args.baseline} if args.baseline else {})
    cases = [("10 lines", 10, "pop"), ("40 lines", 40, "pop"), ("40 lines", 40, "ballad"), ("52 lines", 52, "pop")]
    print(f"{'tree':<10} {'case':<10} {'genre':<8} {'song s':>7} {'wall s':>7} {'cpu s':>6} {'x (wall)':>8} {'x (cpu)':>8} "
          f"{'after imports MB':>16} {'peak MB':>8}")
    medians: dict[tuple[str, str, str], dict] = {}
    for name, lines, genre in cases:
        runs: dict[str, list[dict]] = {tree: [] for tree in trees}
        for round_number in range(args.rounds):
            order = list(trees) if round_number % 2 == 0 else list(reversed(trees))
            for tree in order:
                runs[tree].append(_measure(trees[tree], lines, genre))
        for tree, results in runs.items():
            r = {key: statistics.median(result[key] for result in results) for key in results[0]}
            medians[(tree, name, genre)] = r
            print(f"{tree:<10} {name:<10} {genre:<8} {r['song_s']:>7.1f} {r['wall_s']:>7.2f} {r['cpu_s']:>6.2f} "
                  f"{r['song_s'] / r['wall_s']:>8.1f} {r['song_s'] / r['cpu_s']:>8.1f} {r['baseline_mb']:>16.0f} {r['peak_mb']:>8.0f}")
    if args.baseline:
        print()
        for name, _, genre in cases:
            new, old = medians[("this tree", name, genre)], medians[("baseline", name, genre)]
            print(f"{name} {genre}: CPU time {new['cpu_s'] / old['cpu_s']:.2f}× the baseline's, "
                  f"peak RSS {new['peak_mb'] - old['peak_mb']:+.0f} MB")


if __name__ == "__main__":
    main()

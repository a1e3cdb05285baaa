"""Would a customer keep the offline song? Words heard, the name heard, lift, loudness, tempo, pitch, speed, memory.

Run:  .venv/bin/pip install -r benchmarks/requirements.txt
      .venv/bin/python benchmarks/song_quality.py [--only N] [--root CHECKOUT] [--briefs FILE]

Over the briefs in benchmarks/song_briefs.json (varied genre, mood, tempo, names), the offline
composer writes each song and the offline synthesizer renders it (benchmarks/quality_render.py, in
a fresh process; --root measures another checkout, e.g. an older commit, the same way). Then:
- the final MP3 is judged line by line by pocketsphinx, its language model restricted to the song's
  own words and lines (benchmarks/quality_judge.py): lines identified, and the recipient's name
  recognised per sung occurrence;
- ffmpeg's ebur128 gives loudness, true peak and the chorus-minus-verse lift; tempo is measured on
  the mix and pitch on the dry vocal of every long note (benchmarks/quality_measures.py);
- determinism (two renders, same bytes), speed (× real time; noisy on a shared machine) and the peak
  RSS of a fresh worker-like process that imports the app and renders 5 songs in a row.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from multiprocessing import Pool
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from quality_judge import RATE, judge_lines  # noqa: E402
from quality_measures import chorus_lift, decode, ebur128, tempo  # noqa: E402

TARGETS = "lines ≥ 0.80, name ≥ 0.70, lift 2-3 LU, −14 ± 1 LUFS, true peak ≤ −1 dBTP, tempo ±2 %, notes ±50 cents, ≥ 40×, ≤ 400 MB"


class _Timing:
    def __init__(self, line: dict) -> None:
        self.start_seconds, self.end_seconds, self.text = line["start"], line["end"], line["text"]


def judge_song(args: tuple[dict, str]) -> dict:
    song, folder = args
    mp3 = (Path(folder) / f"{song['index']:02d}.mp3").read_bytes()
    pcm = decode(mp3, RATE)
    heard = judge_lines(pcm, [_Timing(line) for line in song["lines"]], song["name"], song.get("pronunciation", ""))
    loudness = ebur128(mp3)
    return {
        **heard,
        "lufs": loudness["lufs"],
        "true_peak": loudness["true_peak"],
        "lift": chorus_lift(loudness["momentary"], song["sections"]),
        "tempo_error": tempo(pcm, RATE, song["bpm"]) / song["bpm"] - 1,
    }


def _fraction(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def report(songs: list[dict], judged: list[dict], memory: dict) -> None:
    print(f"{'#':>2} {'name':<10} {'genre':<10} {'mood':<9} {'bpm':>4} {'song s':>6} {'lines':>6} {'name':>5} "
          f"{'lift':>5} {'LUFS':>6} {'TP':>5} {'tempo':>6} {'±50c':>5} {'same':>4} {'× cpu':>5}")
    for song, result in zip(songs, judged):
        within = _fraction(sum(abs(e) <= 50 for e in song["pitch_errors"]), len(song["pitch_errors"]))
        lift = f"{result['lift']:5.1f}" if result["lift"] is not None else "    -"
        print(f"{song['index']:>2} {song['name'][:10]:<10} {song['genre']:<10} {song['mood']:<9} {song['bpm']:>4.0f} "
              f"{song['duration']:>6.1f} {_fraction(result['identified'], result['lines']):>6.2f} "
              f"{_fraction(result['name_heard'], result['name_sung']):>5.2f} {lift} {result['lufs']:>6.1f} "
              f"{result['true_peak']:>5.1f} {100 * result['tempo_error']:>5.1f}% {within:>5.2f} "
              f"{'yes' if song['deterministic'] else 'NO':>4} {song['duration'] / song['cpu']:>5.0f}")
    lines = sum(r["lines"] for r in judged)
    errors = [e for s in songs for e in s["pitch_errors"]]
    lifts = [r["lift"] for r in judged if r["lift"] is not None]
    print()
    print(f"songs {len(songs)}, sung lines {lines} (every lyric line sung: "
          f"{all(len(s['lines']) == s['lyric_lines'] for s in songs)})")
    print(f"line identification on the final MP3: {_fraction(sum(r['identified'] for r in judged), lines):.2f}")
    print(f"recipient's name recognised: {sum(r['name_heard'] for r in judged)} of {sum(r['name_sung'] for r in judged)} "
          f"= {_fraction(sum(r['name_heard'] for r in judged), sum(r['name_sung'] for r in judged)):.2f}")
    print(f"chorus lift: {min(lifts):.1f} to {max(lifts):.1f} LU (median {np.median(lifts):.1f})")
    print(f"loudness: {min(r['lufs'] for r in judged):.1f} to {max(r['lufs'] for r in judged):.1f} LUFS; "
          f"true peak ≤ {max(r['true_peak'] for r in judged):.1f} dBTP")
    print(f"tempo error: ≤ {100 * max(abs(r['tempo_error']) for r in judged):.1f} %")
    print(f"pitch: {_fraction(sum(abs(e) <= 50 for e in errors), len(errors)):.3f} of {len(errors)} long notes within ±50 cents "
          f"(median |error| {np.median(np.abs(errors)):.0f} cents)")
    print(f"deterministic: {sum(s['deterministic'] for s in songs)} of {len(songs)}")
    speed = sum(s["duration"] for s in songs) / sum(s["wall"] for s in songs)
    cpu_speed = sum(s["duration"] for s in songs) / sum(s["cpu"] for s in songs)
    print(f"speed: {speed:.0f}× real time by the wall clock (noisy on a shared 2-core machine), "
          f"{cpu_speed:.0f}× by the process's CPU time; slowest song {min(s['duration'] / s['cpu'] for s in songs):.0f}× (CPU)")
    print(f"worker process, 5 songs in a row ({memory['song_seconds']:.0f} s of audio): peak RSS {memory['peak_mb']:.0f} MB "
          f"(after imports {memory['baseline_mb']:.0f} MB)")
    print(f"targets: {TARGETS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(HERE.parent), help="checkout whose engines are measured")
    parser.add_argument("--briefs", default=str(HERE / "song_briefs.json"))
    parser.add_argument("--only", type=int, default=0, help="measure only the first N briefs (a quick look)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        briefs = json.loads(Path(args.briefs).read_text())
        if args.only:
            briefs = briefs[: args.only]
        chosen = Path(folder) / "briefs.json"
        chosen.write_text(json.dumps(briefs))
        subprocess.run([sys.executable, str(HERE / "quality_render.py"), args.root, str(chosen), folder], check=True)
        renders = json.loads((Path(folder) / "renders.json").read_text())
        memory_run = subprocess.run([sys.executable, str(HERE / "quality_memory.py"), args.root, str(chosen)],
                                    capture_output=True, text=True, check=True)
        memory = json.loads(memory_run.stdout.strip().splitlines()[-1])
        with Pool(2) as pool:
            judged = pool.map(judge_song, [(song, folder) for song in renders["songs"]])
    report(renders["songs"], judged, memory)


if __name__ == "__main__":
    main()

"""The render half of benchmarks/song_quality.py, run in its own process against a chosen source tree.

`python benchmarks/quality_render.py ROOT BRIEFS OUT` writes, for every brief, the lyrics the offline
composer wrote, the MP3 the offline synthesizer made of them (rendered twice: the bytes must match),
its line and section timings, the wall time, and the pitch error of every long sung note on the dry
vocal stem. ROOT is a checkout of the project, so an older commit can be measured the same way.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(sys.argv[1]).resolve()
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality_measures import pitch_errors  # noqa: E402

from songcraft.providers.audio.base import AudioRequest  # noqa: E402
from songcraft.providers.audio.local import LocalAudioProvider  # noqa: E402
from songcraft.providers.lyrics.base import Lyrics, SongBrief  # noqa: E402
from songcraft.providers.lyrics.local import LocalLyricsProvider  # noqa: E402

try:  # this tree's engines
    from songcraft.engines.synth.arrangement import plan_song
    from songcraft.engines.synth.voice import render_vocals
except ImportError:  # an older tree, before the engines had their own package
    from songcraft.providers.audio.synth_arrangement import plan_song
    from songcraft.providers.audio.synth_voice import render_vocals

RATE = 44100


def _known(cls, values: dict) -> dict:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in values.items() if k in names}


def _line_timings(take, plan) -> list[dict]:
    if take.lines:
        return [{"start": t.start_seconds, "end": t.end_seconds, "text": t.text, "section": t.section} for t in take.lines]
    try:  # an older tree did not time lines: rebuild them from its plan, a line's notes being its syllables in order
        from songcraft.providers.audio.synth_syllables import words_of
    except ImportError:
        return []
    notes, timings, index = [n for n in plan.melody if n.word], [], 0
    for part in plan.parts:
        for text in part.lines:
            count = sum(w.syllables for w in words_of(text))
            first, last = notes[index], notes[index + count - 1]
            timings.append({"start": float(plan.seconds(first.start_beat)), "end": float(plan.seconds(last.start_beat + last.beats)),
                            "text": text, "section": part.label})
            index += count
    return timings


def _sung_notes(plan) -> list[tuple[float, float, float]]:
    notes = []
    for n in plan.melody:
        if not n.word:
            continue
        transpose = plan.singers[n.singer].transpose if getattr(plan, "singers", ()) else 0
        hz = 440.0 * 2 ** ((n.pitch + transpose - 69) / 12)
        notes.append((float(plan.seconds(n.start_beat)), float(plan.seconds(n.start_beat + n.beats)), hz))
    return notes


def render_one(brief: dict, out: Path, index: int) -> dict:
    song_brief = SongBrief(**_known(SongBrief, brief))
    lyrics = LocalLyricsProvider().write(song_brief)
    extra = {"recipient_name": brief["recipient_name"], "language": "en", "name_pronunciation": brief.get("name_pronunciation", ""),
             "vocal_style": brief.get("vocal_style")}
    request = AudioRequest(lyrics.title, Lyrics.from_text(lyrics.title, lyrics.as_text()), brief["genre"], brief["mood"], seed=1,
                           **_known(AudioRequest, extra))
    provider = LocalAudioProvider()
    started, cpu_started = time.perf_counter(), time.process_time()
    take = provider.wait(provider.submit(request), request)[0]
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    again = provider.wait(provider.submit(request), request)[0]
    plan = plan_song(request)
    vocals = render_vocals(plan, RATE)
    errors = pitch_errors(vocals, RATE, _sung_notes(plan))
    del vocals
    (out / f"{index:02d}.mp3").write_bytes(take.data)
    return {
        "index": index, "name": brief["recipient_name"], "pronunciation": brief.get("name_pronunciation", ""),
        "genre": brief["genre"], "mood": brief["mood"],
        "lyrics": lyrics.as_text(), "lyric_lines": len(lyrics.lines), "bpm": plan.bpm,
        "duration": take.duration_seconds, "wall": wall, "cpu": cpu,
        "deterministic": hashlib.sha256(take.data).digest() == hashlib.sha256(again.data).digest(),
        "lines": _line_timings(take, plan),
        "sections": [{"label": s.label, "start": s.start_seconds, "end": s.end_seconds} for s in take.sections],
        "pitch_errors": errors,
    }


def main() -> None:
    briefs = json.loads(Path(sys.argv[2]).read_text())
    out = Path(sys.argv[3])
    results = [render_one(brief, out, index) for index, brief in enumerate(briefs)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (out / "renders.json").write_text(json.dumps({"songs": results, "peak_mb": peak}))


if __name__ == "__main__":
    main()

"""The memory half of benchmarks/song_quality.py: a fresh process shaped like a worker renders 5 songs in a row.

`python benchmarks/quality_memory.py ROOT BRIEFS` imports the app (Flask, SQLAlchemy, Celery... as a
worker holds them), has the offline composer write the 5 longest songs of the briefs, renders them
one after the other and prints the peak RSS (ru_maxrss) as JSON.
"""
from __future__ import annotations

import dataclasses
import json
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(sys.argv[1]).resolve()))

import songcraft  # noqa: E402, F401
from songcraft.providers.audio.base import AudioRequest  # noqa: E402
from songcraft.providers.audio.local import LocalAudioProvider  # noqa: E402
from songcraft.providers.lyrics.base import SongBrief  # noqa: E402
from songcraft.providers.lyrics.local import LocalLyricsProvider  # noqa: E402


def _known(cls, values: dict) -> dict:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in values.items() if k in names}


def main() -> None:
    briefs = json.loads(Path(sys.argv[2]).read_text())
    written = [(brief, LocalLyricsProvider().write(SongBrief(**_known(SongBrief, brief)))) for brief in briefs]
    longest = sorted(written, key=lambda pair: -len(pair[1].lines))[:5]
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    provider, seconds = LocalAudioProvider(), 0.0
    for brief, lyrics in longest:
        request = AudioRequest(lyrics.title, lyrics, brief["genre"], brief["mood"], seed=1,
                               **_known(AudioRequest, {"recipient_name": brief["recipient_name"]}))
        seconds += provider.wait(provider.submit(request), request)[0].duration_seconds
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"baseline_mb": baseline, "peak_mb": peak, "song_seconds": seconds}))


if __name__ == "__main__":
    main()

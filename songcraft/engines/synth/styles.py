"""What each genre and mood means musically: tempo, feel, instruments, scale and chord progressions."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    """A genre's groove. Instrument fields name patterns/timbres in synth_instruments."""

    tempo: tuple[int, int]  # beats per minute, slow..fast end of the genre
    swing: float  # how late the off-beat eighth lands, in beats (0 = straight, 1/6 = triplet feel)
    subdivision: int  # melody grid: slots per beat
    bars_per_line: int  # bars a lyric line usually takes
    drums: str
    bass: str
    keys: str
    lead: str
    sevenths: bool = False  # four-note chords instead of triads
    progressions: dict[str, tuple[tuple[int, ...], ...]] | None = None  # overrides the mood's


@dataclass(frozen=True)
class Mood:
    mode: str  # key of SCALES
    energy: float  # 0..1: where in the genre's tempo range the song sits
    progressions: dict[str, tuple[tuple[int, ...], ...]]  # per section family: options of scale degrees (0 = tonic)


SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
}

_BRIGHT = {
    "verse": ((0, 4, 5, 3), (0, 3, 0, 4), (0, 5, 3, 4)),
    "chorus": ((3, 4, 0, 5), (0, 4, 5, 3), (3, 0, 4, 4)),
    "bridge": ((5, 3, 0, 4), (1, 4, 0, 0)),
}
_TENDER = {
    "verse": ((0, 5, 3, 4), (0, 2, 3, 4)),
    "chorus": ((3, 4, 2, 5), (3, 0, 4, 5)),
    "bridge": ((1, 4, 0, 5), (5, 2, 3, 4)),
}
_DARK = {
    "verse": ((0, 5, 2, 6), (0, 3, 5, 4), (0, 6, 5, 6)),
    "chorus": ((5, 6, 0, 0), (5, 2, 6, 0), (3, 5, 6, 0)),
    "bridge": ((3, 5, 6, 4), (5, 6, 3, 4)),
}
_MODAL = {
    "verse": ((0, 3, 0, 3), (0, 6, 3, 0)),
    "chorus": ((6, 3, 0, 0), (2, 3, 6, 0)),
    "bridge": ((3, 4, 6, 6),),
}
_WISTFUL = {
    "verse": ((5, 3, 0, 4), (0, 2, 5, 3)),
    "chorus": ((3, 0, 4, 5), (3, 4, 0, 5)),
    "bridge": ((1, 4, 2, 5),),
}
_JAZZ = {
    "verse": ((1, 4, 0, 5), (0, 5, 1, 4)),
    "chorus": ((3, 2, 1, 4), (1, 4, 0, 0)),
    "bridge": ((2, 5, 1, 4),),
}

GENRES: dict[str, Style] = {
    "pop": Style((96, 116), 0.0, 2, 2, "pop", "pulse", "piano", "synth"),
    "rap": Style((84, 96), 0.07, 4, 1, "boombap", "sub", "rhodes", "synth", sevenths=True),
    "rock": Style((112, 140), 0.0, 2, 2, "rock", "eighths", "power", "synth"),
    "acoustic": Style((84, 104), 0.0, 2, 2, "light", "pluck", "guitar", "flute"),
    "jazz": Style((100, 136), 0.16, 2, 2, "jazz", "walking", "rhodes", "flute", sevenths=True, progressions=_JAZZ),
    "funk": Style((96, 112), 0.04, 2, 2, "funk", "funk", "stab", "synth", sevenths=True),
    "country": Style((100, 124), 0.0, 2, 2, "country", "rootfifth", "guitar", "flute"),
    "electropop": Style((112, 128), 0.0, 2, 2, "four", "synth", "stab", "synth"),
    "lo-fi": Style((70, 88), 0.1, 2, 2, "lofi", "sub", "rhodes", "flute", sevenths=True),
    "synthwave": Style((96, 118), 0.0, 2, 2, "synthwave", "synth", "pad", "synth"),
    "ballad": Style((64, 78), 0.0, 2, 2, "ballad", "whole", "piano", "flute"),
}

MOODS: dict[str, Mood] = {
    "joyful": Mood("major", 0.8, _BRIGHT),
    "romantic": Mood("major", 0.35, _TENDER),
    "emotional": Mood("minor", 0.3, _DARK),
    "playful": Mood("mixolydian", 0.9, _BRIGHT),
    "ironic": Mood("dorian", 0.6, _MODAL),
    "nostalgic": Mood("major", 0.45, _WISTFUL),
    "epic": Mood("minor", 0.65, _DARK),
}

DEFAULT_GENRE, DEFAULT_MOOD = "pop", "joyful"


def progression_family(kind: str) -> str:
    """Which progression a lyrics section kind uses."""
    kind = kind.lower()
    if kind in ("chorus", "hook", "refrain", "outro", "interlude"):
        return "chorus"
    if kind in ("bridge", "pre-chorus", "prechorus"):
        return "bridge"
    return "verse"

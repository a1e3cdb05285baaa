"""The song's form: which parts it has, how many bars each lyric line takes, and the length.

Every line of the lyrics is sung: the length follows the lyrics (faster within the genre's tempo
range, shorter intro and outro) up to MAX_SECONDS, and lyrics that cannot fit are refused with a
message instead of being cut.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from songcraft.engines.synth.styles import Style, progression_family
from songcraft.engines.synth.syllables import Diction, Word, words_of
from songcraft.providers.errors import ProviderError

MIN_SECONDS, MAX_SECONDS = 60.0, 240.0
TAIL_SECONDS = 2.0  # room after the last bar for the final chord to ring out
_ENERGY = {"intro": 0.45, "verse": 0.75, "pre-chorus": 0.85, "chorus": 1.0, "bridge": 0.7, "interlude": 0.8}
_HELD_SECONDS = 0.5  # about how long a name's stressed syllable lasts


@dataclass(frozen=True)
class Part:
    label: str
    kind: str
    start_bar: int
    line_bars: tuple[int, ...]  # bars per line; a single entry for parts without lines
    lines: tuple[str, ...] = ()
    lyric: bool = False  # True for the request's lyrics sections (they get SectionTimings)

    @property
    def bars(self) -> int:
        return sum(self.line_bars)

    @property
    def energy(self) -> float:
        return _ENERGY.get(self.kind, _ENERGY[progression_family(self.kind)])


def held_slots(per_beat: int, slot_seconds: float) -> int:
    """Slots a name's stressed syllable lasts: about half a second, at least two slots, at most a beat."""
    return max(2, min(per_beat, round(_HELD_SECONDS / slot_seconds)))


def slots_needed(words: list[Word], per_beat: int) -> int:
    """Melody slots a line needs: one per syllable, and for each name a long note that may wait for a strong beat."""
    syllables = sum(w.syllables for w in words)
    names = sum(1 for w in words if w.name)
    return syllables + names * (max(2, per_beat) - 1 + 2 * per_beat - 1)  # the longest hold, the longest wait


def line_layout(words: list[Word], style: Style, dense: int = 0) -> tuple[int, int]:
    """(bars, melody slots per beat) that fit the line with a beat of rest at the end.

    For songs whose lyrics would otherwise run too long, ``dense`` 1 tries the faster grid first, and
    ``dense`` 2 half the usual bars as well.
    A line longer than four usual lines gets as many bars as it needs on the fast grid.
    """
    grids = (2 * style.subdivision, style.subdivision) if dense else (style.subdivision, 2 * style.subdivision)
    shortest = max(1, style.bars_per_line // 2) if dense > 1 else style.bars_per_line
    for bars in dict.fromkeys((shortest, style.bars_per_line, 2 * style.bars_per_line, 4 * style.bars_per_line)):
        for per_beat in grids:
            if slots_needed(words, per_beat) <= bars * 4 * per_beat - per_beat:
                return bars, per_beat
    per_beat = 2 * style.subdivision
    return math.ceil((slots_needed(words, per_beat) + per_beat) / (4 * per_beat)), per_beat


def lyric_parts(sections, style: Style, diction: Diction, dense: int = 0) -> list[Part]:
    parts = []
    for section in sections:
        lines = tuple(line for line in section.lines if words_of(line, diction))
        if lines:
            bars = tuple(line_layout(words_of(line, diction), style, dense)[0] for line in lines)
            parts.append(Part(section.heading, section.kind.lower(), 0, bars, lines, lyric=True))
    return parts


def instrumental_parts(style: Style) -> list[Part]:
    line_bars = (2 * style.bars_per_line,) * 4
    return [Part(label, kind, 0, line_bars) for label, kind in (("A", "verse"), ("B", "chorus")) * 2]


def _seconds(bars: int, tempo: float) -> float:
    return bars * 240.0 / tempo + TAIL_SECONDS


def fits(body: list[Part], style: Style) -> bool:
    return _seconds(4 + sum(p.bars for p in body), style.tempo[1]) <= MAX_SECONDS


def fit_length(body: list[Part], style: Style, bpm: int) -> tuple[int, list[Part]]:
    """Lay the parts end to end with an intro, interludes and an outro, within MIN..MAX seconds.

    Too long: speed up within the genre's range and shorten the intro and outro. Too short: add
    instrumental bars. Lyrics that do not fit even then are refused: no line is ever dropped.
    """
    intro = outro = 4
    gaps = [0] * max(len(body) - 1, 0)
    lyric_bars = sum(p.bars for p in body)
    if _seconds(intro + outro + lyric_bars, bpm) > MAX_SECONDS:
        intro = outro = 2
        bpm = max(bpm, math.ceil((intro + outro + lyric_bars) * 240.0 / (MAX_SECONDS - TAIL_SECONDS)))
        if bpm > style.tempo[1]:
            lines = sum(len(p.lines) for p in body)
            raise ProviderError(
                f"These lyrics are too long to sing in {MAX_SECONDS / 60:.0f} minutes ({lines} lines); please shorten them."
            )
    slots = 0
    while _seconds(intro + outro + sum(gaps) + sum(p.bars for p in body), bpm) < MIN_SECONDS:
        pads = [intro, outro, *gaps]
        pads[slots % len(pads)] += 2
        intro, outro, *gaps = pads
        slots += 1

    parts, bar = [Part("Intro", "intro", 0, (intro,))], intro
    for index, part in enumerate(body):
        parts.append(Part(part.label, part.kind, bar, part.line_bars, part.lines, part.lyric))
        bar += part.bars
        if index < len(gaps) and gaps[index]:
            parts.append(Part("Interlude", "interlude", bar, (gaps[index],)))
            bar += gaps[index]
    parts.append(Part("Outro", "outro", bar, (outro,)))
    return bpm, parts

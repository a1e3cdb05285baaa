"""When each lyric line is sung in a Suno take.

Suno's ``POST /api/v1/generate/get-timestamped-lyrics`` answers ``alignedWords``: fragments of the
sung text in order (``"[Verse]\\nWaggin' "``, ``"tu"``, ``"m "``...), each with ``startS``/``endS`` in
seconds. Headings in brackets come along and a word may be split in syllables, so the fragments
are joined into one stream of letters and digits, each letter keeping its fragment's times, and
every lyric line is looked for in that stream in order. Lines Suno sang differently are placed
between their found neighbours by syllable count. If fewer than half the lines are found, or
the endpoint fails, the whole take is estimated from syllable counts over the vocal part of the
take, and marked as estimated.
Source: https://docs.sunoapi.org/suno-api/get-timestamped-lyrics
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from songcraft.engines.synth.syllables import words_of
from songcraft.providers.audio.base import LineTiming
from songcraft.providers.lyrics.base import Lyrics

MIN_FOUND_SHARE = 0.5
# An estimate assumes an instrumental intro and outro of this share of the take (at most the cap),
# a breath after every line and a longer pause between sections, counted in syllables.
INTRO_SHARE, INTRO_CAP_SECONDS = 0.08, 12.0
OUTRO_SHARE, OUTRO_CAP_SECONDS = 0.06, 10.0
BREATH_SYLLABLES, SECTION_GAP_SYLLABLES = 1, 4


@dataclass(frozen=True)
class _Line:
    text: str
    section: str
    weight: int  # syllables, at least 1


def _sung_lines(lyrics: Lyrics) -> list[_Line]:
    return [
        _Line(line, section.heading, max(1, sum(word.syllables for word in words_of(line))))
        for section in lyrics.sections for line in section.lines
    ]


def _letters(text: str) -> str:
    return "".join(char for char in text.casefold() if char.isalnum())


def _letter_stream(aligned_words: Sequence[dict[str, Any]]) -> tuple[str, list[tuple[float, float]]]:
    """The sung letters (bracketed headings dropped) and, for each, its fragment's (start, end)."""
    letters, times, in_heading = [], [], False
    for fragment in aligned_words:
        start, end = float(fragment["startS"]), float(fragment["endS"])
        for char in str(fragment.get("word") or ""):
            if char == "[":
                in_heading = True
            elif char == "]":
                in_heading = False
            elif not in_heading:
                for letter in _letters(char):
                    letters.append(letter)
                    times.append((start, end))
    return "".join(letters), times


def lines_from_aligned_words(aligned_words: Sequence[dict[str, Any]], lyrics: Lyrics, duration: float) -> tuple[LineTiming, ...] | None:
    """Map Suno's aligned fragments onto the lyric lines; None when too few lines are recognisable."""
    lines = _sung_lines(lyrics)
    try:
        stream, times = _letter_stream(aligned_words)
    except (KeyError, TypeError, ValueError):  # a fragment without usable times: the answer is not usable
        return None
    found: list[tuple[float, float] | None] = []
    cursor = 0
    for line in lines:
        needle = _letters(line.text)
        index = stream.find(needle, cursor) if needle else -1
        if index < 0:
            found.append(None)
            continue
        found.append((times[index][0], times[index + len(needle) - 1][1]))
        cursor = index + len(needle)
    if not lines or sum(span is not None for span in found) < MIN_FOUND_SHARE * len(lines):
        return None
    return _fill_gaps(lines, found, duration)


def _fill_gaps(lines: list[_Line], found: list[tuple[float, float] | None], duration: float) -> tuple[LineTiming, ...]:
    """Place each run of unfound lines between the found lines around it, by syllables."""
    spans = list(found)
    index = 0
    while index < len(spans):
        if spans[index] is not None:
            index += 1
            continue
        run_end = index
        while run_end < len(spans) and spans[run_end] is None:
            run_end += 1
        after = spans[index - 1][1] if index > 0 else 0.0
        before = spans[run_end][0] if run_end < len(spans) else max(duration, after)
        spans[index:run_end] = _spread(lines[index:run_end], after, before, section_gaps=False)
        index = run_end
    return tuple(LineTiming(start, end, line.text, line.section) for line, (start, end) in zip(lines, spans))


def _spread(lines: Sequence[_Line], start: float, end: float, section_gaps: bool) -> list[tuple[float, float]]:
    """Share [start, end] among ``lines`` in proportion to their syllables, with breaths (and section pauses)."""
    weights = []
    for position, line in enumerate(lines):
        gap = SECTION_GAP_SYLLABLES if section_gaps and position and line.section != lines[position - 1].section else 0
        weights.append((gap, line.weight, BREATH_SYLLABLES))
    seconds_per_unit = max(end - start, 0.0) / max(1, sum(sum(parts) for parts in weights))
    spans, clock = [], start
    for gap, sung, breath in weights:
        clock += gap * seconds_per_unit
        spans.append((clock, clock + sung * seconds_per_unit))
        clock += (sung + breath) * seconds_per_unit
    return spans


def estimate_lines(lyrics: Lyrics, duration: float) -> tuple[LineTiming, ...]:
    """Every line placed by syllable count over the vocal part of the take (after an intro, before an outro)."""
    lines = _sung_lines(lyrics)
    if not lines or duration <= 0:
        return ()
    vocal_start = min(INTRO_SHARE * duration, INTRO_CAP_SECONDS)
    vocal_end = duration - min(OUTRO_SHARE * duration, OUTRO_CAP_SECONDS)
    spans = _spread(lines, vocal_start, vocal_end, section_gaps=True)
    return tuple(LineTiming(start, end, line.text, line.section) for line, (start, end) in zip(lines, spans))

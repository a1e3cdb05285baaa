"""When each lyric line is sung: the provider's own timings when it gave them, else an estimate.

The estimate spreads the lines of each vocal section over the section's span in proportion to
their syllables, each line followed by a short breath. Without sections (a provider that only
returns audio) the lyrics' sections are spread over the song between an intro and an outro.
Syllables are counted from vowel groups, which works for every language SongCraft sings, not
only for the English of a pronouncing dictionary.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

# A vowel group per syllable: Latin with accents, Greek and Cyrillic vowels; a "y" before a vowel is a consonant.
_VOWELS = "aeiouàáâãäåæèéêëìíîïòóôõöøùúûüœαεηιουωάέήίόύώаеєиіїоуюяыэё"
_VOWEL_GROUP = re.compile(rf"(?:[{_VOWELS}ýÿ]|y(?![{_VOWELS}]))+", re.IGNORECASE)
BREATH_SYLLABLES = 2  # the rest after each line, in syllables' worth of time
SECTION_GAP_SYLLABLES = 8  # between sections, when no section timings are known
INTRO_SHARE, OUTRO_SHARE = 0.08, 0.06  # of the song, without vocals, when no section timings are known


@dataclass(frozen=True)
class TimedLine:
    start: float  # seconds from the start of the take
    end: float
    text: str
    section: str = ""

    def as_dict(self) -> dict:
        """The shape of `Take.line_timings` entries."""
        return {"start": self.start, "end": self.end, "text": self.text, "section": self.section}


@dataclass(frozen=True)
class LineSchedule:
    lines: tuple[TimedLine, ...]
    estimated: bool


@dataclass(frozen=True)
class VocalSection:
    label: str
    lines: tuple[str, ...]
    start: float | None = None  # None when the provider did not say where the section lies
    end: float | None = None


def syllables(text: str) -> int:
    """Syllables in a line of lyrics (at least one, so every line takes some time)."""
    return max(1, len(_VOWEL_GROUP.findall(text)))


def schedule(line_timings: Sequence[dict], timings_estimated: bool, sections: Iterable[VocalSection],
             duration: float) -> LineSchedule:
    """The take's own line timings when it has them, else an estimate (marked as such)."""
    if line_timings:
        lines = tuple(TimedLine(float(t["start"]), float(t["end"]), t["text"], t.get("section", "")) for t in line_timings)
        return LineSchedule(lines, timings_estimated)
    return LineSchedule(estimate(list(sections), duration), True)


def estimate(sections: list[VocalSection], duration: float) -> tuple[TimedLine, ...]:
    """Line timings from syllable counts: within each section's span when known, else across the song."""
    sections = [section for section in sections if section.lines]
    if not sections:
        return ()
    if all(section.start is not None and section.end is not None for section in sections):
        return tuple(line for section in sections for line in _spread(section, section.start, section.end))
    return _spread_over_song(sections, duration)


def _spread(section: VocalSection, start: float, end: float) -> list[TimedLine]:
    weights = [syllables(line) + BREATH_SYLLABLES for line in section.lines]
    seconds_per_weight = max(end - start, 0.0) / sum(weights)
    lines, cursor = [], start
    for text, weight in zip(section.lines, weights):
        share = weight * seconds_per_weight
        sung = share * (weight - BREATH_SYLLABLES) / weight
        lines.append(TimedLine(round(cursor, 3), round(cursor + sung, 3), text, section.label))
        cursor += share
    return lines


def _spread_over_song(sections: list[VocalSection], duration: float) -> tuple[TimedLine, ...]:
    """Sections in turn across the vocal part of the song, a gap between each, in proportion to their syllables."""
    sizes = [sum(syllables(line) + BREATH_SYLLABLES for line in section.lines) for section in sections]
    total = sum(sizes) + SECTION_GAP_SYLLABLES * (len(sections) - 1)
    start, end = duration * INTRO_SHARE, duration * (1 - OUTRO_SHARE)
    seconds_per_weight = (end - start) / total
    lines, cursor = [], start
    for section, size in zip(sections, sizes):
        section_end = cursor + size * seconds_per_weight
        lines.extend(_spread(section, cursor, section_end))
        cursor = section_end + SECTION_GAP_SYLLABLES * seconds_per_weight
    return tuple(lines)

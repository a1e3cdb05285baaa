"""An offline lyrics composer: no network, no model, deterministic per brief.

Every line is an opening clause (from the genre, mood, occasion or a story
detail) plus an ending from a rhyme family, chosen so the line lands on 7-9
syllables and each pair of lines rhymes. The song runs Verse 1 / Chorus /
Verse 2 / Chorus / Bridge / Chorus, sometimes with an Outro; the chorus is
written once and repeated word for word.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import asdict

from songcraft.providers.errors import ProviderError
from songcraft.providers.lyrics.base import Lyrics, LyricsSection, SongBrief
from songcraft.providers.lyrics.local_meter import last_word, syllables
from songcraft.providers.lyrics.local_occasions import Occasion, occasion_for
from songcraft.providers.lyrics.local_phrases import (
    GENRE_OPENINGS,
    MOOD_OPENINGS,
    NAME_OPENINGS,
    STORY_OPENINGS,
    genre_key,
    mood_key,
)
from songcraft.providers.lyrics.local_rhymes import endings_for
from songcraft.providers.lyrics.local_story import read_story, shorter_forms

LINE_SYLLABLES = range(7, 10)
SONG_LINES = range(16, 41)
_MAX_NAME_SYLLABLES = 3
_DETAILS_PER_VERSE = 3
_MAX_HOOK_SYLLABLES = 6  # so the hook scans with the 2-3 syllable endings every rhyme family has
_OFF_METER = 99  # worse than any real miss
_NAME_CHARACTERS = re.compile(r"[^A-Za-z\u00C0-\u024F' .-]+")


def _song_seed(brief: SongBrief) -> int:
    """A seed stable across processes (unlike ``hash()``), covering every field of the brief."""
    digest = hashlib.sha256(json.dumps(asdict(brief), sort_keys=True).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _sung_name(recipient_name: str) -> str:
    """The name as sung: cleaned, and only the first name when the full one is a mouthful."""
    name = " ".join(_NAME_CHARACTERS.sub(" ", recipient_name).split()) or "my friend"
    if name.islower():
        name = name.title()
    return name if syllables(name) <= _MAX_NAME_SYLLABLES else name.split()[0]


# Which rhyme family each line of a section uses: couplets (AABB) or alternating (ABAB) lines.
_RHYME_SCHEMES = {2: ((0, 0),), 4: ((0, 0, 1, 1), (0, 1, 0, 1)), 6: ((0, 0, 1, 1, 2, 2), (0, 1, 0, 1, 2, 2))}


class _SongWriter:
    """Writes the sections of one song, never reusing an opening or an ending."""

    def __init__(self, brief: SongBrief) -> None:
        self.rng = random.Random(_song_seed(brief))
        self.name = _sung_name(brief.recipient_name)
        self.genre = genre_key(brief.genre)
        self.mood = mood_key(brief.mood)
        self.occasion: Occasion = occasion_for(brief.occasion)
        self.endings = endings_for(self.genre)
        self.families = list(self.endings)
        self.rng.shuffle(self.families)
        self.used: set[str] = set()
        details = read_story(brief.story, brief.recipient_name).as_slots()
        self.details = details[:2 * _DETAILS_PER_VERSE]

    def _fill(self, opening: str) -> str:
        return opening.replace("{name}", self.name)

    def _shuffled(self, *banks: tuple[str, ...]) -> list[str]:
        pool = [self._fill(opening) for bank in banks for opening in bank]
        self.rng.shuffle(pool)
        return pool

    def _next_families(self, count: int) -> list[str]:
        taken, self.families = self.families[:count], self.families[count:] + self.families[:count]
        return taken

    def _join(self, opening: str, ending: str) -> str:
        if ending.startswith(","):
            line = opening + ending
        else:
            line = f"{opening}, {ending}" if opening.endswith(self.name) else f"{opening} {ending}"
        return line[0].upper() + line[1:]

    @staticmethod
    def _best_fit(openings: list[str], endings: list[str]) -> tuple[int, str, str]:
        """(syllables off the meter, opening, ending): the first pair that scans, else the closest."""
        best = (_OFF_METER, "", "")
        for opening in openings:
            for ending in endings:
                count = syllables(f"{opening} {ending}")
                miss = max(LINE_SYLLABLES.start - count, count - LINE_SYLLABLES[-1], 0)
                if miss < best[0]:
                    best = (miss, opening, ending)
                if miss == 0:
                    return best
        return best

    def _line(self, choices: list[list[str]], family: str, rhymes_with: str,
              taken_here: set[str]) -> tuple[str, str]:
        """(opening, ending) on the family's rhyme that scan, from the first group of openings that can.

        Within a group, openings and endings the song has not used yet come first, then an
        opening from another section, then a used ending. No group scans: the closest fit.
        """
        endings = [e for e in self.endings[family] if last_word(e) != rhymes_with]
        self.rng.shuffle(endings)
        fresh_endings = [e for e in endings if e not in self.used] or endings
        best = (_OFF_METER, "", "")
        for openings in choices:
            tiers = (([o for o in openings if o not in self.used], fresh_endings),
                     ([o for o in openings if o not in taken_here], fresh_endings),
                     (openings, fresh_endings), (openings, endings))
            for tier_openings, tier_endings in tiers:
                best = min(best, self._best_fit(tier_openings, tier_endings), key=lambda fit: fit[0])
                if best[0] == 0:
                    return best[1], best[2]
        return best[1], best[2]

    def section(self, slots: list[list[list[str]]], repeatable: str = "") -> tuple[str, ...]:
        """One line per slot; a slot lists groups of openings, the preferred group first.

        Openings are used once per song, except ``repeatable`` (the chorus hook).
        """
        scheme = self.rng.choice(_RHYME_SCHEMES[len(slots)])
        families = self._next_families(max(scheme) + 1)
        lines: list[str] = []
        taken_here: set[str] = set()
        last_word_of_family: dict[int, str] = {}
        for choices, family_index in zip(slots, scheme):
            opening, ending = self._line(choices, families[family_index],
                                         last_word_of_family.get(family_index, ""), taken_here)
            self.used.add(ending)
            if opening != repeatable:
                self.used.add(opening)
                taken_here.add(opening)
            last_word_of_family[family_index] = last_word(ending)
            lines.append(self._join(opening, ending))
        return tuple(lines)

    def _fillers(self) -> list[str]:
        """Openings for lines without a story detail; only a couple name the recipient, to keep it rare."""
        naming = tuple(self.rng.sample(NAME_OPENINGS, 2))
        return self._shuffled(GENRE_OPENINGS[self.genre], MOOD_OPENINGS[self.mood], naming)

    def verse(self, details: list[tuple[str, str]]) -> tuple[str, ...]:
        length = self.rng.choice((4, 6))
        fillers = self._fillers()
        slots = [[fillers] for _ in range(length)]
        for position, (kind, detail) in zip(sorted(self.rng.sample(range(length), len(details))), details):
            openings = self._shuffled(STORY_OPENINGS[kind])
            with_detail = [o.format(detail=form) for form in shorter_forms(detail) for o in openings]
            slots[position] = [with_detail, fillers]
        return self.section(slots)

    def _named_hooks(self) -> list[str]:
        return self._shuffled(tuple(hook for hook in self.occasion.hooks if "{name}" in hook))

    def chorus(self) -> tuple[str, ...]:
        """Opens on a hook naming the recipient (the occasion's own if it scans), closes on it if it fits."""
        named = self._named_hooks()
        short = [hook for hook in named if syllables(hook) <= _MAX_HOOK_SYLLABLES]
        hook = short[0] if short else min(named + [self._fill(o) for o in NAME_OPENINGS], key=syllables)
        others = [o for o in self._shuffled(self.occasion.hooks, MOOD_OPENINGS[self.mood]) if o != hook]
        return self.section([[[hook]], [others], [others], [[hook], others]], repeatable=hook)

    def bridge(self) -> tuple[str, ...]:
        return self.section([[self._fillers()] for _ in range(self.rng.choice((2, 4)))])

    def outro(self) -> tuple[str, ...]:
        fillers = self._fillers()
        return self.section([[self._named_hooks(), fillers], [fillers]])

    def title(self, requested: str | None) -> str:
        return (requested or "").strip() or self._fill(self.rng.choice(self.occasion.titles))


def _validated(lyrics: Lyrics) -> Lyrics:
    lines = lyrics.lines
    if len(lines) not in SONG_LINES:
        raise ProviderError(f"The lyrics came out {len(lines)} lines long; please try again.")
    if any(not line.strip() or "{" in line or "}" in line for line in lines):
        raise ProviderError("The lyrics came out malformed; please try again.")
    return lyrics


class LocalLyricsProvider:
    """Composes lyrics on this machine, for free, in a few milliseconds."""

    name = "local"

    def write(self, brief: SongBrief) -> Lyrics:
        writer = _SongWriter(brief)
        half = (len(writer.details) + 1) // 2
        first_verse = writer.verse(writer.details[:half])
        chorus = writer.chorus()
        second_verse = writer.verse(writer.details[half:])
        sections = [
            LyricsSection("verse", first_verse, "Verse 1"),
            LyricsSection("chorus", chorus, "Chorus"),
            LyricsSection("verse", second_verse, "Verse 2"),
            LyricsSection("chorus", chorus, "Chorus"),
            LyricsSection("bridge", writer.bridge(), "Bridge"),
            LyricsSection("chorus", chorus, "Chorus"),
        ]
        if writer.rng.random() < 0.5:
            sections.append(LyricsSection("outro", writer.outro(), "Outro"))
        return _validated(Lyrics(title=writer.title(brief.title), sections=tuple(sections)))

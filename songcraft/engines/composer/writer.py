"""Write the song: the story in the verses, the name and the occasion in the chorus.

Verse 1 / Chorus / Verse 2 / Chorus / Bridge / Chorus, sometimes an Outro. The verses sing the
customer's story in its own order and words (``story``), each story line answered by a line of
ours that rhymes with it when one does (``lines``); the chorus greets the recipient by name for the
occasion (``occasions``) and is repeated word for word. No line of ours is used twice in a song,
and none invents weather, a season, a place or a person. Deterministic per brief and seed.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import asdict

from songcraft.engines.composer.lines import ANSWERS, BRIDGES, GENRE_LINES, genre_key, mood_key
from songcraft.engines.composer.meter import last_word, rhyme_sound, stressed_vowel, syllables
from songcraft.engines.composer.occasions import occasion_for
from songcraft.engines.composer.story import StoryLine, story_lines
from songcraft.providers.errors import ProviderError
from songcraft.providers.lyrics.base import Lyrics, LyricsSection, SongBrief

SONG_LINES = range(16, 41)
VERSE_LINES = 8  # at most, so every song fits the synthesizer's four minutes in every genre
_MAX_NAME_SYLLABLES = 3
_MAX_NAMED_SYLLABLES = 9  # a chorus line naming the recipient, counted with the name as pronounced
_NAME_CHARACTERS = re.compile(r"[^\w' .-]+|[\d_]+")


def song_seed(brief: SongBrief) -> int:
    """A seed stable across processes (unlike ``hash()``), covering every field of the brief."""
    digest = hashlib.sha256(json.dumps(asdict(brief), sort_keys=True).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def pronounced_syllables(brief: SongBrief) -> dict[str, int]:
    """The name's syllables as the customer says it ("ow-REL-ya": 3), keyed by the lower-cased name."""
    parts = [p for p in re.split(r"[-\s]+", brief.name_pronunciation.strip()) if p]
    words = brief.recipient_name.lower().split()
    return {words[0]: len(parts)} if parts and len(words) == 1 else {}


def sung_name(brief: SongBrief) -> str:
    """The name as sung: cleaned, and only the first name when the full one is a mouthful."""
    name = " ".join(_NAME_CHARACTERS.sub(" ", brief.recipient_name).split()) or "my friend"
    if name.islower():
        name = name.title()
    return name if syllables(name, pronounced_syllables(brief)) <= _MAX_NAME_SYLLABLES else name.split()[0]


class SongWriter:
    """Writes the sections of one song, never reusing a line of its own."""

    def __init__(self, brief: SongBrief) -> None:
        self.rng = random.Random(song_seed(brief))
        self.name = sung_name(brief)
        self.name_syllables = pronounced_syllables(brief)
        self.closing = ""
        self.genre = genre_key(brief.genre)
        self.mood = mood_key(brief.mood)
        self.occasion = occasion_for(brief.occasion)
        self.story = story_lines(brief.story, brief.recipient_name)
        self.answers = list(ANSWERS)
        self.rng.shuffle(self.answers)
        self.endings: set[str] = set()  # last words of our lines so far: an answer rhymes on a new word

    def _fill(self, line: str) -> str:
        return line.replace("{name}", self.name)

    @staticmethod
    def _capitalised(line: str) -> str:
        return line[0].upper() + line[1:]

    def answer(self, line: str) -> str:
        """An unused line of ours that rhymes with `line`: a true rhyme, else the same stressed vowel, else any."""
        word = last_word(line)
        sound, vowel = rhyme_sound(word), stressed_vowel(word)

        def rank(candidate: str) -> int:
            theirs = last_word(candidate)
            if theirs == word or theirs in self.endings:
                return 3
            if sound and rhyme_sound(theirs) == sound:
                return 0
            return 1 if vowel and stressed_vowel(theirs) == vowel else 2

        chosen = min(self.answers, key=rank)  # the list is shuffled per song: ties fall by chance
        self.answers.remove(chosen)
        self.endings.add(last_word(chosen))
        return self._capitalised(chosen)

    def verse(self, told: list[StoryLine]) -> tuple[str, ...]:
        """The story lines in order. A sentence sung in one line is answered by one of ours while the verse has
        room; a sentence split over lines is left whole. A short story gets couplets of ours."""
        sentences: list[list[str]] = []
        numbers: list[int] = []
        for story_line in told:
            if numbers and story_line.sentence == numbers[-1]:
                sentences[-1].append(story_line.text)
            else:
                numbers.append(story_line.sentence)
                sentences.append([story_line.text])
        room = VERSE_LINES - len(told)
        lines: list[str] = []
        for texts in sentences:
            lines += texts
            if len(texts) == 1 and room > 0:
                lines.append(self.answer(texts[0]))
                room -= 1
        while len(lines) < 4:
            opener = self._capitalised(self.answers.pop())
            lines += [opener, self.answer(opener)]
        return tuple(lines)

    def _named(self, options: tuple[str, ...]) -> str:
        """One of the lines naming the recipient, among those that stay singable with the name as pronounced."""
        fitting = [o for o in options if syllables(self._fill(o), self.name_syllables) <= _MAX_NAMED_SYLLABLES]
        return self._capitalised(self._fill(self.rng.choice(fitting or [min(options, key=len)])))

    def chorus(self) -> tuple[str, ...]:
        first, second = self.rng.choice(self.occasion.couplets)
        self.closing = self._named(self.occasion.closings)
        greeting = self._named(self.occasion.greetings)
        return greeting, self._capitalised(self._fill(first)), self._capitalised(self._fill(second)), self.closing

    def bridge(self, told: list[StoryLine]) -> tuple[str, ...]:
        """A couplet for the mood, then the genre's line answered; story lines that overflowed the verses come first."""
        lines = [line.text for line in told]
        first, second = self.rng.choice(BRIDGES[self.mood])
        lines += [self._capitalised(first), self._capitalised(second)]
        if self.rng.random() < 0.5:
            genre_line = self._capitalised(GENRE_LINES[self.genre])
            lines += [genre_line, self.answer(genre_line)]
        return tuple(lines)

    def outro(self) -> tuple[str, ...]:
        """A closing line the chorus did not use, answered."""
        unused = tuple(c for c in self.occasion.closings if self._capitalised(self._fill(c)) != self.closing)
        closing = self._named(unused or self.occasion.closings)
        return closing, self.answer(closing)

    def title(self, requested: str | None) -> str:
        return (requested or "").strip() or self._fill(self.rng.choice(self.occasion.titles))

    def split_story(self) -> tuple[list[StoryLine], list[StoryLine], list[StoryLine]]:
        """The story lines for verse 1, verse 2 and (overflow) the bridge, cut between sentences where possible."""
        story = self.story
        if not story:
            return [], [], []
        sentences = sorted({line.sentence for line in story})
        half = sentences[(len(sentences) - 1) // 2] if len(sentences) > 1 else None
        first = [line for line in story if half is not None and line.sentence <= half] or story[: (len(story) + 1) // 2]
        rest = story[len(first):]
        return first[:VERSE_LINES], rest[:VERSE_LINES], first[VERSE_LINES:] + rest[VERSE_LINES:]


def write_song(brief: SongBrief) -> Lyrics:
    writer = SongWriter(brief)
    first, second, overflow = writer.split_story()
    chorus = writer.chorus()
    sections = [
        LyricsSection("verse", writer.verse(first), "Verse 1"),
        LyricsSection("chorus", chorus, "Chorus"),
        LyricsSection("verse", writer.verse(second), "Verse 2"),
        LyricsSection("chorus", chorus, "Chorus"),
        LyricsSection("bridge", writer.bridge(overflow), "Bridge"),
        LyricsSection("chorus", chorus, "Chorus"),
    ]
    if sum(len(s.lines) for s in sections) <= 30 and writer.rng.random() < 0.5:
        sections.append(LyricsSection("outro", writer.outro(), "Outro"))
    return _validated(Lyrics(title=writer.title(brief.title), sections=tuple(sections)))


def _validated(lyrics: Lyrics) -> Lyrics:
    lines = lyrics.lines
    if len(lines) not in SONG_LINES:
        raise ProviderError(f"The lyrics came out {len(lines)} lines long; please try again.")
    if any(not line.strip() or "{" in line or "}" in line for line in lines):
        raise ProviderError("The lyrics came out malformed; please try again.")
    return lyrics

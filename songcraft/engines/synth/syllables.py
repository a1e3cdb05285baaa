"""Split lyric lines into words and count each word's syllables (one sung note per syllable).

English words come from the CMU pronouncing dictionary. Words it lacks, every word of another
language, and the recipient's name are counted from espeak-ng's own phonemes: the voice that sings
them is espeak-ng, so a name gets exactly one note per syllable it will say ("Aurelia": aw-ri-LIE-uh).
A name with a given pronunciation ("ow-REL-ya") is sung from that spelling instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from songcraft.engines.synth.cmu import stresses as dictionary_stresses
from songcraft.engines.synth.espeak import Voice, phoneme_spelling, word_stresses

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE = "'s"
_PAUSE = re.compile(r"[,;:.!?—–]")


@dataclass(frozen=True)
class Word:
    text: str
    stresses: tuple[bool, ...]  # one flag per syllable: True where the word is stressed
    spoken: str = ""  # what espeak-ng is given to say; the text itself when empty
    name: bool = False  # the recipient's name: its stressed syllable gets a long note on a strong beat
    after_pause: bool = False  # punctuation before it in the line (a comma...): the singer may breathe

    @property
    def syllables(self) -> int:
        return len(self.stresses)

    @property
    def says(self) -> str:
        return self.spoken or self.text


@dataclass(frozen=True)
class Diction:
    """How to read the words of a song: its language and the recipient's name."""

    language: str = "en"
    name: str = ""  # the recipient's name as written in the lyrics (may be several words)
    name_pronunciation: str = ""  # e.g. "ow-REL-ya": hyphens between syllables, the stressed one in capitals

    @property
    def name_words(self) -> frozenset[str]:
        return frozenset(part.lower() for part in _WORD.findall(self.name))


ENGLISH = Diction()


def words_of(line: str, diction: Diction = ENGLISH) -> list[Word]:
    found, previous_end = [], 0
    for match in _WORD.finditer(line):
        word = _word(match.group().replace("’", "'"), diction)
        if found and _PAUSE.search(line[previous_end : match.start()]):
            word = replace(word, after_pause=True)
        found.append(word)
        previous_end = match.end()
    return found


@lru_cache(maxsize=8192)
def _word(text: str, diction: Diction) -> Word:
    lowered = text.lower()
    base = lowered[: -len(_POSSESSIVE)] if lowered.endswith(_POSSESSIVE) else lowered
    if base in diction.name_words:
        return _name(text, lowered != base, diction)
    if diction.language == "en":
        stresses = dictionary_stresses(lowered)
        if stresses:
            return Word(text, stresses)
    return Word(text, _spoken_stresses(text, diction.language))


def _name(text: str, possessive: bool, diction: Diction) -> Word:
    voice = _reading_voice(diction.language)
    single_word = len(diction.name_words) == 1
    spelled = phoneme_spelling(diction.name_pronunciation, voice) if diction.name_pronunciation and single_word else None
    if spelled:
        parts = [part for part in re.split(r"[-\s]+", diction.name_pronunciation.strip()) if part]
        stresses = tuple(part.isupper() for part in parts)
        if not any(stresses):
            stresses = (True,) + stresses[1:]
        spoken = spelled[:-2] + "z]]" if possessive else spelled
        return Word(text, stresses, spoken, name=True)
    return Word(text, _spoken_stresses(text, diction.language), name=True)


def _spoken_stresses(text: str, language: str) -> tuple[bool, ...]:
    stresses = word_stresses(text, _reading_voice(language))
    if not stresses:
        return (True,)  # a lone consonant or a symbol still gets its note
    if not any(stresses):
        stresses = (True,) + stresses[1:]
    return stresses


def _reading_voice(language: str) -> Voice:
    """Phonemes depend on the language only, not on who sings them."""
    return Voice(language, "", 50)

"""Split lyric lines into words and count each word's syllables (one sung note per syllable)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pronouncing

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class Word:
    text: str
    stresses: tuple[bool, ...]  # one flag per syllable: True where the word is stressed

    @property
    def syllables(self) -> int:
        return len(self.stresses)


def words_of(line: str) -> list[Word]:
    return [_word(token.replace("’", "'")) for token in _WORD.findall(line)]


@lru_cache(maxsize=4096)
def _word(text: str) -> Word:
    phones = pronouncing.phones_for_word(text.lower())
    if phones:
        stresses = tuple(mark in "12" for mark in pronouncing.stresses(phones[0]))
        if stresses:
            return Word(text, stresses)
    count = estimate_syllables(text)
    return Word(text, tuple(index == 0 for index in range(count)))


def estimate_syllables(text: str) -> int:
    """Spelling-based guess for words the CMU dictionary lacks (names, slang, numbers)."""
    lowered = text.lower()
    if lowered.isdigit():
        return len(lowered)
    groups = len(_VOWEL_GROUP.findall(lowered))
    if lowered.endswith("e") and not lowered.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    return max(1, groups)

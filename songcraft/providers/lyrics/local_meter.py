"""Syllable counts and rhyme keys for the offline lyrics composer.

Both lean on the CMU pronouncing dictionary (``pronouncing``); names and other
words the dictionary does not know get a spelling-based syllable estimate.
"""
from __future__ import annotations

import re
from functools import lru_cache

import pronouncing

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


def words_of(text: str) -> list[str]:
    """The words of a line, lower-cased, punctuation dropped."""
    return [word.lower() for word in _WORD.findall(text)]


def estimate_syllables(word: str) -> int:
    """Spelling-based guess for words the dictionary lacks (mostly names)."""
    word = word.lower().replace("'", "")
    count = len(_VOWEL_GROUP.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(count, 1)


@lru_cache(maxsize=4096)
def word_syllables(word: str) -> int:
    phones = pronouncing.phones_for_word(word)
    if phones:
        return pronouncing.syllable_count(phones[0])
    return estimate_syllables(word)


def syllables(text: str) -> int:
    """Syllables in a line of lyrics."""
    return sum(word_syllables(word) for word in words_of(text))



def last_word(text: str) -> str:
    found = words_of(text)
    return found[-1] if found else ""


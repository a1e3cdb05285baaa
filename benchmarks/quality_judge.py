"""The listening judge of benchmarks/song_quality.py: pocketsphinx, restricted to the song's own words and lines.

For each sung line, the audio between its timings is decoded with a bigram language model built from
the song's lines only, and the hypothesis is matched against the song's distinct lines: the line is
identified when the closest one (by word edit distance) is the one sung. The recipient's name counts
as recognised in a line as many times as the hypothesis holds it, up to the times it was sung.
Words the recogniser's dictionary lacks (names, mostly) are given espeak-ng's pronunciation,
mapped to the recogniser's phone set; the recipient's name is also accepted as espeak-ng reads it and,
when the customer gave one, as their pronunciation ("ow-REL-ya"): a name has more than one right reading.
"""
from __future__ import annotations

import math
import re
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
from pocketsphinx import Decoder, get_model_path

from songcraft.engines.synth.espeak import Voice, phoneme_spelling, phonemes_of

RATE = 16000
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_MODEL = Path(get_model_path()) / "en-us"
# espeak-ng en-US phoneme mnemonics -> the recogniser's (CMU) phones
_ESPEAK_TO_CMU = {
    "@": "AH", "@L": "AH L", "@2": "AH", "@5": "AH", "3": "ER", "3:": "ER", "a": "AE", "a#": "AH", "aa": "AA", "A:": "AA",
    "A@": "AA R", "aI": "AY", "aI@": "AY ER", "aI3": "AY ER", "aU": "AW", "aU@": "AW ER", "E": "EH", "e@": "EH R", "eI": "EY",
    "i": "IY", "i:": "IY", "i@": "IY R", "i@3": "IY R", "I": "IH", "I#": "IH", "I2": "IH", "0": "AA", "O:": "AO", "O": "AO",
    "o@": "AO R", "O@": "AO R", "OI": "OY", "oU": "OW", "U": "UH", "u:": "UW", "U@": "UH R", "V": "AH", "b": "B", "d": "D",
    "D": "DH", "f": "F", "g": "G", "h": "HH", "j": "Y", "k": "K", "l": "L", "m": "M", "n": "N", "N": "NG", "p": "P", "r": "R",
    "r-": "R", "s": "S", "S": "SH", "t": "T", "T": "TH", "v": "V", "w": "W", "z": "Z", "Z": "ZH", "tS": "CH", "dZ": "JH",
    "n-": "N", "l-": "L", "m-": "M", "t#": "T", "d#": "D", "x": "HH", "W": "W", "z#": "Z", "?": "",
}


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def _cmu_dictionary() -> dict[str, str]:
    entries: dict[str, str] = {}
    for row in (_MODEL / "cmudict-en-us.dict").read_text().splitlines():
        word, _, phones = row.partition(" ")
        entries.setdefault(word, phones.strip())
    return entries


_CMU: dict[str, str] | None = None


_MNEMONIC = re.compile(r"aI@|aI3|aU@|i@3|tS|dZ|oU|aI|aU|eI|OI|[eiUAoO]@|[a-zA-Z@03][:#2]?")


def _espeak_phones(text: str) -> str:
    """The recogniser's phones for how espeak-ng reads the text (a word, or a [[...]] phoneme spelling)."""
    if text.startswith("[["):
        phonemes = _MNEMONIC.findall(text[2:-2].replace("'", "").replace(",", ""))
    else:
        phonemes = phonemes_of(text, Voice("en", "", 50))
    phones = [_ESPEAK_TO_CMU.get(p.lstrip("',%="), "") for p in phonemes]
    return " ".join(p for p in phones if p) or "AH"


def _dictionary(vocabulary: set[str], name_readings: dict[str, list[str]]) -> str:
    """Every word once (CMU, else espeak's reading); the name also as espeak reads it and as the customer spelled it."""
    global _CMU
    if _CMU is None:
        _CMU = _cmu_dictionary()
    rows = []
    for word in sorted(vocabulary):
        readings = list(dict.fromkeys([_CMU.get(word) or _espeak_phones(word), *name_readings.get(word, [])]))
        rows += [f"{word}{f'({n})' if n > 1 else ''} {phones}" for n, phones in enumerate(readings, 1)]
    return "\n".join(rows) + "\n"


def _arpa(lines: list[list[str]]) -> str:
    """A bigram model of the song's lines (each line a sentence), with a fixed share for backing off to words."""
    unigrams = Counter(w for line in lines for w in ["<s>", *line, "</s>"])
    bigrams = Counter(pair for line in lines for pair in zip(["<s>", *line], [*line, "</s>"]))
    total = sum(unigrams.values())
    share = 0.3  # probability mass of unseen word pairs
    uni_prob = {w: count / total for w, count in unigrams.items()}
    follows: dict[str, list[str]] = {}
    for first, second in bigrams:
        follows.setdefault(first, []).append(second)
    out = ["\\data\\", f"ngram 1={len(unigrams)}", f"ngram 2={len(bigrams)}", "", "\\1-grams:"]
    for word in sorted(unigrams):
        seen = sum(uni_prob[w] for w in follows.get(word, []))
        backoff = share / max(1 - seen, 1e-6) if word != "</s>" else 1.0
        prob = uni_prob[word] if word != "<s>" else 1e-99
        out.append(f"{math.log10(max(prob, 1e-99)):.4f} {word} {math.log10(backoff):.4f}")
    out += ["", "\\2-grams:"]
    for (first, second), count in sorted(bigrams.items()):
        prob = (1 - share) * count / sum(bigrams[(first, w)] for w in follows[first])
        out.append(f"{math.log10(prob):.4f} {first} {second}")
    out += ["", "\\end\\", ""]
    return "\n".join(out)


def _edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


class Judge:
    """Decodes a song's lines with a recogniser that knows only that song."""

    def __init__(self, lines: list[str], name: str = "", pronunciation: str = "") -> None:
        self.candidates = list(dict.fromkeys(lines))
        tokenised = [words(line) for line in self.candidates]
        vocabulary = {w for line in tokenised for w in line}
        readings = {word: [_espeak_phones(word)] for word in words(name)}
        if pronunciation and len(readings) == 1:
            spelled = phoneme_spelling(pronunciation, Voice("en", "", 50))
            if spelled:
                readings[next(iter(readings))].append(_espeak_phones(spelled))
        self._folder = tempfile.TemporaryDirectory()
        folder = Path(self._folder.name)
        (folder / "song.dict").write_text(_dictionary(vocabulary, readings))
        (folder / "song.arpa").write_text(_arpa(tokenised))
        self.decoder = Decoder(hmm=str(_MODEL / "en-us"), lm=str(folder / "song.arpa"), dict=str(folder / "song.dict"),
                               samprate=RATE, loglevel="FATAL")

    def hear(self, pcm: np.ndarray) -> list[str]:
        """The words heard in 16 kHz mono float audio."""
        audio = (np.clip(pcm, -1, 1) * 32767).astype(np.int16).tobytes()
        self.decoder.start_utt()
        self.decoder.process_raw(audio, full_utt=True)
        self.decoder.end_utt()
        hypothesis = self.decoder.hyp()
        return words(hypothesis.hypstr) if hypothesis else []

    def identify(self, heard: list[str]) -> str:
        """The song's line closest to what was heard."""
        return min(self.candidates, key=lambda line: _edit_distance(words(line), heard))

    def close(self) -> None:
        self._folder.cleanup()


def judge_lines(pcm: np.ndarray, timings, name: str, pronunciation: str = "") -> dict:
    """Line identification and name recognition over every sung line of one song."""
    judge = Judge([t.text for t in timings], name, pronunciation)
    name_words = set(words(name)[:1])
    identified = name_sung = name_heard = 0
    try:
        for timing in timings:
            start = max(int((timing.start_seconds - 0.15) * RATE), 0)
            heard = judge.hear(pcm[start : int((timing.end_seconds + 0.25) * RATE)])
            identified += judge.identify(heard) == timing.text
            sung = sum(1 for w in words(timing.text) if w.split("'")[0] in name_words)
            name_sung += sung
            name_heard += min(sung, sum(1 for w in heard if w.split("'")[0] in name_words))
    finally:
        judge.close()
    return {"lines": len(timings), "identified": identified, "name_sung": name_sung, "name_heard": name_heard}

"""Sing the melody: speak each word with espeak-ng, cut it into syllables and move each onto its note.

Each syllable is time-stretched and pitch-shifted with TD-PSOLA: two-period grains of the (monotone)
spoken word are laid out again at the note's pitch period. Consonants keep their spoken length and lead
into the beat, so vowels land on it; only the vowel is stretched to the note's length.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from songcraft.providers.audio.synth_arrangement import SongPlan
from songcraft.providers.audio.synth_espeak import speak_word

_VOWEL_INITIALS = set("aeiouAEIOUV03@")
_MAX_LEAD_SECONDS = 0.09  # how early a syllable's consonants may start before its beat
_GAP_SECONDS = 0.02  # breath between a note and the next
_FADE_SECONDS = 0.006
_VIBRATO_HZ, _VIBRATO_SEMITONES = 5.5, 0.3
_SCOOP_SEMITONES, _SCOOP_SECONDS = -0.6, 0.05
_WORD_LEVEL = 0.2  # RMS every spoken word is brought to, so no word is mumbled


@dataclass(frozen=True)
class Syllable:
    """Sample positions in a spoken word: [start, nucleus_start) onset, the vowel, then the coda up to end."""

    start: int
    nucleus_start: int
    nucleus_end: int
    end: int


@dataclass(frozen=True)
class SpokenSyllables:
    samples: np.ndarray  # float32 at the song's sample rate, zero-padded by `period` on both sides
    marks: np.ndarray  # pitch marks (indices into samples)
    period: int  # source pitch period in samples
    syllables: tuple[Syllable, ...]


def render_vocals(plan: SongPlan, sample_rate: int) -> np.ndarray:
    """The sung vocal stem: mono float32, as long as the song."""
    out = np.zeros(int(plan.duration_seconds * sample_rate), np.float32)
    speak = lru_cache(maxsize=None)(_spoken)  # per song: choruses repeat words, songs rarely share them
    notes = [n for n in plan.melody if n.word]
    spoken = [speak(n.word, n.syllables, sample_rate) for n in notes]
    syllables = [s.syllables[n.syllable] for s, n in zip(spoken, notes)]
    beats = [int(plan.seconds(n.start_beat) * sample_rate) for n in notes]
    max_lead = int(_MAX_LEAD_SECONDS * sample_rate)
    starts = [b - min(s.nucleus_start - s.start, max_lead) for b, s in zip(beats, syllables)]
    gap = int(_GAP_SECONDS * sample_rate)
    for index, note in enumerate(notes):
        note_end = int(plan.seconds(note.start_beat + note.beats) * sample_rate) - gap
        if index + 1 < len(notes):
            note_end = min(note_end, starts[index + 1])
        start = starts[index]
        length = note_end - start
        if length <= 0 or start < 0 or note_end >= len(out):
            continue
        pitch = _pitch_curve(note.pitch, length, beats[index] - start, sample_rate)
        sung = _psola(spoken[index], syllables[index], pitch, sample_rate)
        begin = start - spoken[index].period
        clip = max(0, -begin)
        out[begin + clip : begin + len(sung)] += sung[clip : len(out) - begin]
    return out


def _pitch_curve(midi: int, length: int, vowel_onset: int, sample_rate: int) -> np.ndarray:
    """Frequency per output sample: a small scoop into the note, then vibrato on held notes."""
    t = (np.arange(length) - vowel_onset) / sample_rate
    scoop = _SCOOP_SEMITONES * np.exp(-np.clip(t, 0, None) / _SCOOP_SECONDS)
    depth = np.clip((t - 0.2) / 0.25, 0, 1) * _VIBRATO_SEMITONES
    vibrato = depth * np.sin(2 * np.pi * _VIBRATO_HZ * t)
    return 440.0 * 2.0 ** ((midi - 69 + scoop + vibrato) / 12.0)


def _psola(spoken: SpokenSyllables, syllable: Syllable, pitch: np.ndarray, sample_rate: int) -> np.ndarray:
    length, period = len(pitch), spoken.period
    onset = syllable.nucleus_start - syllable.start
    coda = syllable.end - syllable.nucleus_end
    if length >= onset + coda + period:
        out_knots = [0, onset, length - coda, length]
        source_knots = [syllable.start, syllable.nucleus_start, syllable.nucleus_end, syllable.end]
    else:
        out_knots, source_knots = [0, length], [syllable.start, syllable.end]
    cycles = np.cumsum(pitch / sample_rate)
    out_marks = np.searchsorted(cycles, np.arange(1, int(cycles[-1]) + 1))
    wanted = np.interp(out_marks, out_knots, source_knots)
    after = np.clip(np.searchsorted(spoken.marks, wanted), 1, len(spoken.marks) - 1)
    before = after - 1
    closer_before = wanted - spoken.marks[before] < spoken.marks[after] - wanted
    source_marks = np.where(closer_before, spoken.marks[before], spoken.marks[after])

    offsets = np.arange(-period, period)
    window = np.hanning(2 * period).astype(np.float32)
    gain = np.minimum(1.0, sample_rate / pitch[out_marks] / period).astype(np.float32)
    grains = spoken.samples[source_marks[:, None] + offsets] * window * gain[:, None]
    positions = (out_marks[:, None] + offsets + period).ravel()
    sung = np.bincount(positions, weights=grains.ravel(), minlength=length + 2 * period).astype(np.float32)
    fade = int(_FADE_SECONDS * sample_rate)
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    sung[period : period + fade] *= ramp
    sung[length + period - fade : length + period] *= ramp[::-1]
    sung[length + period :] = 0.0
    return sung


def _spoken(word: str, count: int, sample_rate: int) -> SpokenSyllables:
    spoken = speak_word(word)
    ratio = sample_rate / spoken.sample_rate
    period = int(round(_source_period(spoken.sample_rate) * ratio))
    length = int(len(spoken.samples) * ratio)
    samples = np.interp(np.arange(length) / ratio, np.arange(len(spoken.samples)), spoken.samples)
    speech = samples[: int(spoken.end * ratio)]
    samples = samples * (_WORD_LEVEL / max(float(np.sqrt(np.mean(speech**2))), 1e-6))
    padded = np.pad(samples.astype(np.float32), period)
    frames = len(padded) // period
    marks = np.argmax(padded[: frames * period].reshape(frames, period), axis=1) + np.arange(frames) * period
    marks = marks[(marks >= period) & (marks < len(padded) - period)]
    starts = [period + int(start * ratio) for _, start in spoken.phonemes]
    names = [name for name, _ in spoken.phonemes]
    end = period + int(spoken.end * ratio)
    return SpokenSyllables(padded, marks, period, _fit_syllables(_syllables(names, starts, end), count))


@lru_cache(maxsize=1)
def _source_period(espeak_rate: int) -> float:
    """The monotone voice's pitch period, measured once by autocorrelating a sustained vowel."""
    vowel = speak_word("ah").samples
    voiced = vowel[len(vowel) // 4 : 3 * len(vowel) // 4]
    spectrum = np.fft.rfft(voiced, 2 * len(voiced))
    correlation = np.fft.irfft(np.abs(spectrum) ** 2)[: len(voiced)]
    shortest, longest = espeak_rate // 500, espeak_rate // 60
    return float(shortest + np.argmax(correlation[shortest:longest]))


def _is_vowel(phoneme: str) -> bool:
    core = phoneme.lstrip("',")
    return bool(core) and (core[0] in _VOWEL_INITIALS or (len(core) == 2 and core.endswith("-")))


def _syllables(names: list[str], starts: list[int], end: int) -> list[Syllable]:
    """espeak's own syllables: one per vowel, a lone consonant between vowels opens the next syllable."""
    if not names:
        return []
    bounds = starts[1:] + [end]
    vowels = [i for i, name in enumerate(names) if _is_vowel(name)]
    if not vowels:
        quarter = (end - starts[0]) // 4
        return [Syllable(starts[0], starts[0] + quarter, end - quarter, end)]
    cuts = [starts[0]]
    for left, right in zip(vowels, vowels[1:]):
        consonants = right - left - 1
        cuts.append(starts[right] if consonants == 0 else starts[left + 1 + min(consonants - 1, 1)])
    cuts.append(end)
    return [Syllable(cuts[k], starts[v], bounds[v], cuts[k + 1]) for k, v in enumerate(vowels)]


def _fit_syllables(found: list[Syllable], count: int) -> tuple[Syllable, ...]:
    """Merge or split espeak's syllables so there is exactly one per sung note."""
    if not found:
        return (Syllable(0, 0, 1, 1),) * count
    while len(found) < count:
        longest = max(range(len(found)), key=lambda i: found[i].end - found[i].start)
        s = found[longest]
        middle = (s.nucleus_start + s.nucleus_end) // 2
        found[longest : longest + 1] = [
            Syllable(s.start, s.nucleus_start, middle, middle),
            Syllable(middle, middle, s.nucleus_end, s.end),
        ]
    groups = [found[len(found) * g // count : len(found) * (g + 1) // count] for g in range(count)]
    return tuple(Syllable(g[0].start, g[0].nucleus_start, g[-1].nucleus_end, g[-1].end) for g in groups)

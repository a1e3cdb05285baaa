"""Sing the melody: speak each word with espeak-ng, cut it into syllables and move each onto its note.

Each syllable is time-stretched and pitch-shifted with TD-PSOLA: grains of the (monotone) spoken
word, two periods long, are laid out again at the note's pitch period. Grains are sized to the
shorter of the source and target periods, so a raised note does not pile up overlapping grains.
Consonants keep their spoken length and lead into the beat, so vowels land on it: a syllable's
onset may start early, taking its time from the end of the previous vowel. Only vowels stretch.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from songcraft.engines.synth.arrangement import MelodyNote, SongPlan
from songcraft.engines.synth.espeak import Voice, is_vowel, speak_word

_MAX_LEAD_SECONDS = 0.25  # how early a syllable's consonants may start before its beat
_MIN_VOWEL_SECONDS = 0.07  # what the previous syllable keeps of its vowel when the next one leads in
_GAP_SECONDS = 0.02  # breath between a note and the next
_MAX_SYLLABLE_SECONDS = 0.5  # a syllable inside a line is not drawn out longer: the rest of its note is silence
_MAX_HELD_SECONDS = 0.8  # nor is a name's held syllable or a line's last one: longer vowels blur the word
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
    voices = [plan.singers[n.singer].voice(plan.language) for n in notes]
    spoken = [speak(n.says or n.word, n.syllables, voice, sample_rate) for n, voice in zip(notes, voices)]
    syllables = [s.syllables[n.syllable] for s, n in zip(spoken, notes)]
    beats = [int(plan.seconds(n.start_beat) * sample_rate) for n in notes]
    ends = [int(plan.seconds(n.start_beat + n.beats) * sample_rate) - int(_GAP_SECONDS * sample_rate) for n in notes]
    starts = _onsets(beats, syllables, sample_rate)
    for index, note in enumerate(notes):
        note_end = min(ends[index], starts[index + 1]) if index + 1 < len(notes) else ends[index]
        inside_line = index + 1 < len(notes) and notes[index + 1].line == note.line and not note.held
        longest = _MAX_SYLLABLE_SECONDS if inside_line else _MAX_HELD_SECONDS
        note_end = min(note_end, beats[index] + int(longest * sample_rate))
        start = starts[index]
        length = note_end - start
        if length <= 0 or start < 0 or note_end >= len(out):
            continue
        pitch = _pitch_curve(_sung_pitch(note, plan), length, beats[index] - start, sample_rate)
        sung = _psola(spoken[index], syllables[index], pitch, sample_rate)
        begin = start - spoken[index].period
        clip = max(0, -begin)
        out[begin + clip : begin + len(sung)] += sung[clip : len(out) - begin]
    return out


def _sung_pitch(note: MelodyNote, plan: SongPlan) -> int:
    return note.pitch + plan.singers[note.singer].transpose


def _onsets(beats: list[int], syllables: list[Syllable], sample_rate: int) -> list[int]:
    """Where each syllable starts: its consonants before the beat, as far as the previous vowel allows."""
    max_lead = int(_MAX_LEAD_SECONDS * sample_rate)
    keep = int(_MIN_VOWEL_SECONDS * sample_rate)
    starts = []
    for index, (beat, syllable) in enumerate(zip(beats, syllables)):
        lead = min(syllable.nucleus_start - syllable.start, max_lead)
        if index:
            lead = min(lead, beat - beats[index - 1] - keep)
        starts.append(beat - max(lead, 0))
    return starts


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

    target_period = float(np.median(sample_rate / pitch[out_marks])) if len(out_marks) else period
    half = int(min(period, max(target_period, period / 2)))  # grains sized to the target pitch, never beyond the source's
    offsets = np.arange(-half, half)
    window = np.hanning(2 * half).astype(np.float32)
    gain = np.float32(min(1.0, target_period / half))
    grains = spoken.samples[source_marks[:, None] + offsets] * (window * gain)
    positions = (out_marks[:, None] + offsets + period).ravel()
    sung = np.bincount(positions, weights=grains.ravel(), minlength=length + 2 * period).astype(np.float32)
    fade = int(_FADE_SECONDS * sample_rate)
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    sung[period : period + fade] *= ramp
    sung[length + period - fade : length + period] *= ramp[::-1]
    sung[length + period :] = 0.0
    return sung


def _spoken(says: str, count: int, voice: Voice, sample_rate: int) -> SpokenSyllables:
    spoken = speak_word(says, voice)
    ratio = sample_rate / spoken.sample_rate
    period = int(round(source_period(voice) * ratio))
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


@lru_cache(maxsize=16)
def source_period(voice: Voice) -> float:
    """The monotone voice's pitch period in espeak's samples, measured once by autocorrelating a sustained vowel."""
    spoken = speak_word("ah", voice)
    vowel = spoken.samples
    voiced = vowel[len(vowel) // 4 : 3 * len(vowel) // 4]
    spectrum = np.fft.rfft(voiced, 2 * len(voiced))
    correlation = np.fft.irfft(np.abs(spectrum) ** 2)[: len(voiced)]
    shortest, longest = spoken.sample_rate // 500, spoken.sample_rate // 60
    return float(shortest + np.argmax(correlation[shortest:longest]))


def _syllables(names: list[str], starts: list[int], end: int) -> list[Syllable]:
    """espeak's own syllables: one per vowel, a lone consonant between vowels opens the next syllable."""
    if not names:
        return []
    bounds = starts[1:] + [end]
    vowels = [i for i, name in enumerate(names) if is_vowel(name)]
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

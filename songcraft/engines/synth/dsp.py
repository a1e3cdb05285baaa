"""Small numpy building blocks shared by the instruments: tones from wavetables, envelopes, mixing in."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_TABLE_SIZE = 4096


@dataclass(frozen=True)
class Timbre:
    harmonics: tuple[float, ...]  # amplitude of partials 1, 2, 3...
    attack: float  # seconds
    decay: float  # seconds for the level to fall by 1/e towards `sustain`
    sustain: float  # 0..1
    release: float  # seconds of fade after the note ends
    detune_cents: float = 0.0  # > 0 adds a second, detuned oscillator (chorus)
    drive: float = 0.0  # > 0 saturates with tanh (distortion)


def saw(partials: int) -> tuple[float, ...]:
    return tuple(1.0 / k for k in range(1, partials + 1))


def midi_hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12.0)


@lru_cache(maxsize=64)
def _wavetable(harmonics: tuple[float, ...]) -> np.ndarray:
    phase = np.arange(_TABLE_SIZE) / _TABLE_SIZE
    table = sum(a * np.sin(2 * np.pi * (k + 1) * phase) for k, a in enumerate(harmonics))
    return (table / np.abs(table).max()).astype(np.float32)


def _oscillator(harmonics: tuple[float, ...], hz: float, length: int, sample_rate: int) -> np.ndarray:
    step = hz * _TABLE_SIZE / sample_rate
    index = (np.arange(length, dtype=np.float64) * step).astype(np.int64) % _TABLE_SIZE
    return _wavetable(harmonics)[index]


def envelope(timbre: Timbre, held: int, sample_rate: int) -> np.ndarray:
    """Level per sample for a note held `held` samples, followed by its release."""
    release = int(timbre.release * sample_rate)
    t = np.arange(held + release, dtype=np.float32) / sample_rate
    level = timbre.sustain + (1 - timbre.sustain) * np.exp(-t / timbre.decay)
    level *= np.minimum(1.0, t / max(timbre.attack, 1e-4))
    if release:
        level[held:] *= np.linspace(1.0, 0.0, release, dtype=np.float32)
    return level


def note(timbre: Timbre, pitches: tuple[float, ...], held: int, sample_rate: int) -> np.ndarray:
    """One note or chord (MIDI pitches) held `held` samples."""
    level = envelope(timbre, held, sample_rate)
    length = len(level)
    sound = np.zeros(length, np.float32)
    for pitch in pitches:
        hz = midi_hz(pitch)
        sound += _oscillator(timbre.harmonics, hz, length, sample_rate)
        if timbre.detune_cents:
            sound += _oscillator(timbre.harmonics, hz * 2 ** (timbre.detune_cents / 1200), length, sample_rate)
    if timbre.drive:
        sound = np.tanh(sound * timbre.drive / len(pitches))
    sound *= level / (len(pitches) * (2 if timbre.detune_cents else 1)) ** 0.5
    return sound


def add_at(out: np.ndarray, start: int, sound: np.ndarray, gain: float = 1.0) -> None:
    """Mix `sound` into `out` from sample `start`, cutting whatever falls outside."""
    begin, end = max(start, 0), min(start + len(sound), len(out))
    if begin < end:
        out[begin:end] += sound[begin - start : end - start] * np.float32(gain)

"""Mix the stems to stereo so the words are heard: the voice sits well above the band.

While the voice sings, the backing is ducked and its 2-5 kHz band (where consonants live) is cut,
so the vocal is not masked; the room around the voice is kept small. Choruses are lifted a few LU
over the verses. Everything runs a chunk at a time, so a mix never holds a song-long temporary
beyond the stereo bus itself.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from songcraft.engines.synth.arrangement import SongPlan

_CHUNK = 1 << 18  # samples processed at once
# (gain, pan from -1 left to +1 right)
_BACKING = {"drums": (0.8, 0.0), "bass": (0.24, 0.0), "keys": (0.22, -0.25), "lead": (0.35, 0.25)}
_GUIDE_LEAD_GAIN = 0.08  # under a sung vocal the lead only hints at the tune
VOCAL_GAIN = 2.6
_VOCAL_ROOM = ((0.031, 0.09), (0.047, 0.06), (0.071, 0.045), (0.113, 0.03))  # (delay s, level): a small room
_KEYS_WIDTH_SECONDS = 0.015  # right channel of the keys is delayed: a wide but mono-safe image
DUCK_DB = 3.0  # backing level under the voice
CUT_DB = 6.0  # backing's 2-5 kHz band under the voice
_BAND_HZ = (2000.0, 5000.0)
_BAND_TAPS = 511
_ENVELOPE_BLOCK_SECONDS = 0.01
_VOICE_THRESHOLD = 0.01  # block RMS above which the voice counts as singing
_ATTACK_BLOCKS, _RELEASE_BLOCKS = 4, 20
_LIFT_RAMP_SECONDS = 0.4


def _sides(gain: float, pan: float) -> tuple[float, float]:
    return gain * np.cos((pan + 1) * np.pi / 4), gain * np.sin((pan + 1) * np.pi / 4)


def voice_envelope(vocals: np.ndarray | None, length: int, sample_rate: int) -> np.ndarray:
    """How much the voice is singing, 0..1, per envelope block: opens just before it and lingers after."""
    block = int(_ENVELOPE_BLOCK_SECONDS * sample_rate)
    blocks = -(-length // block)
    if vocals is None:
        return np.zeros(blocks, np.float32)
    padded = np.zeros(blocks * block, np.float32)
    padded[: len(vocals)] = vocals[: blocks * block]
    level = np.sqrt(np.mean(padded.reshape(blocks, block) ** 2, axis=1))
    singing = (level > _VOICE_THRESHOLD).astype(np.float32)
    held = sliding_window_view(np.pad(singing, (_RELEASE_BLOCKS, _ATTACK_BLOCKS)), _RELEASE_BLOCKS + _ATTACK_BLOCKS + 1).max(axis=1)
    kernel = np.ones(2 * _ATTACK_BLOCKS + 1, np.float32) / (2 * _ATTACK_BLOCKS + 1)
    return np.convolve(held, kernel, mode="same").astype(np.float32)


def _envelope_at(envelope: np.ndarray, start: int, stop: int, sample_rate: int) -> np.ndarray:
    block = int(_ENVELOPE_BLOCK_SECONDS * sample_rate)
    centres = (np.arange(len(envelope)) + 0.5) * block
    return np.interp(np.arange(start, stop), centres, envelope).astype(np.float32)


def _band_filter(sample_rate: int) -> np.ndarray:
    """A linear-phase FIR band-pass (windowed sinc) over _BAND_HZ."""
    n = np.arange(_BAND_TAPS) - _BAND_TAPS // 2
    low, high = (f / sample_rate for f in _BAND_HZ)
    taps = 2 * high * np.sinc(2 * high * n) - 2 * low * np.sinc(2 * low * n)
    return (taps * np.blackman(_BAND_TAPS)).astype(np.float32)


def _band(stem: np.ndarray, start: int, stop: int, taps: np.ndarray) -> np.ndarray:
    """The band-passed stem over [start, stop), delay-compensated, from a chunk with margins."""
    margin = len(taps) // 2
    left, right = max(start - margin, 0), min(stop + margin, len(stem))
    segment = stem[left:right]
    size = 1 << int(np.ceil(np.log2(len(segment) + len(taps))))
    full = np.fft.irfft(np.fft.rfft(segment, size) * np.fft.rfft(taps, size), size)
    offset = start - left + margin
    return full[offset : offset + stop - start].astype(np.float32)


def mix(backing: Iterable[tuple[str, np.ndarray]], vocals: np.ndarray | None, plan: SongPlan, sample_rate: int) -> np.ndarray:
    """Sum the named mono backing stems and the vocal into a (2, samples) float32 array.

    Backing stems are consumed one at a time; each is ducked and band-cut where the voice sings.
    """
    stereo = None
    envelope = None
    taps = _band_filter(sample_rate)
    duck, cut = 1 - 10 ** (-DUCK_DB / 20), 1 - 10 ** (-CUT_DB / 20)
    for name, stem in backing:
        if stereo is None:
            stereo = np.zeros((2, len(stem)), np.float32)
            envelope = voice_envelope(vocals, len(stem), sample_rate)
        gain, pan = _BACKING[name]
        if name == "lead" and vocals is not None:
            gain = _GUIDE_LEAD_GAIN
        left, right = _sides(gain, pan)
        shift = int(_KEYS_WIDTH_SECONDS * sample_rate) if name == "keys" else 0
        for start in range(0, len(stem), _CHUNK):
            stop = min(start + _CHUNK, len(stem))
            singing = _envelope_at(envelope, start, stop, sample_rate)
            chunk = stem[start:stop] - _band(stem, start, stop, taps) * (cut * singing) if vocals is not None else stem[start:stop]
            chunk = chunk * (1 - duck * singing)
            stereo[0, start:stop] += chunk * np.float32(left)
            stereo[1, start + shift : stop + shift] += chunk[: len(stereo[1, start + shift : stop + shift])] * np.float32(right)
        del stem  # let the next stem reuse the memory
    if vocals is not None:
        for delay, level in ((0.0, 1.0), *_VOCAL_ROOM):
            shift = int(delay * sample_rate)
            side = VOCAL_GAIN * level * np.cos(np.pi / 4)
            for channel in stereo:
                _add_scaled(channel[shift:], vocals[: len(vocals) - shift], side)
    return stereo


def _add_scaled(target: np.ndarray, source: np.ndarray, gain: float) -> None:
    """target += source * gain, a chunk at a time so no song-long temporary is made."""
    for start in range(0, len(source), _CHUNK):
        target[start : start + _CHUNK] += source[start : start + _CHUNK] * np.float32(gain)


def lift_choruses(stereo: np.ndarray, plan: SongPlan, sample_rate: int) -> None:
    """In place: each part's lift (choruses louder than verses), with short ramps between parts."""
    if not any(part.lift_db for part in plan.parts):
        return
    half = _LIFT_RAMP_SECONDS / 2
    times, gains = [], []
    for part in plan.parts:
        start, stop = float(plan.seconds(part.start_bar * 4)), float(plan.seconds((part.start_bar + part.bars) * 4))
        gain = 10 ** (part.lift_db / 20)
        times += [start + half, stop - half]
        gains += [gain, gain]
    knots = np.array(times) * sample_rate
    for start in range(0, stereo.shape[1], _CHUNK):
        stop = min(start + _CHUNK, stereo.shape[1])
        stereo[:, start:stop] *= np.interp(np.arange(start, stop), knots, gains).astype(np.float32)

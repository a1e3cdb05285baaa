"""Mix the stems to stereo so the words are heard: the voice sits well above the band.

While the voice sings, the backing is ducked and its 2-5 kHz band (where consonants live) is cut,
so the vocal is not masked; the room around the voice is kept small. Choruses are lifted a few LU
over the verses, by as much as the mix needs. Everything runs a chunk at a time, so a mix never holds a song-long temporary
beyond the stereo bus itself.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from songcraft.engines.synth.arrangement import SongPlan
from songcraft.engines.synth.encode import block_powers, gated_loudness
from songcraft.engines.synth.styles import progression_family

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
LIFT_LU = 2.5  # choruses over verses
_MAX_LIFT_DB = 6.0


def _sides(gain: float, pan: float) -> tuple[float, float]:
    return gain * np.cos((pan + 1) * np.pi / 4), gain * np.sin((pan + 1) * np.pi / 4)


def voice_envelope(vocals: np.ndarray, length: int, sample_rate: int) -> np.ndarray:
    """How much the voice is singing, 0..1, per envelope block: opens just before it and lingers after."""
    block = int(_ENVELOPE_BLOCK_SECONDS * sample_rate)
    blocks = -(-length // block)
    level = np.empty(blocks, np.float32)
    rows = _CHUNK // block
    for first in range(0, blocks, rows):  # a chunk of blocks at a time: no song-long copy of the vocal
        last = min(first + rows, blocks)
        piece = np.zeros((last - first) * block, np.float32)  # the last block is padded with silence
        sung = vocals[first * block : last * block]
        piece[: len(sung)] = sung
        level[first:last] = np.sqrt(np.mean(piece.reshape(last - first, block) ** 2, axis=1))
    singing = (level > _VOICE_THRESHOLD).astype(np.float32)
    held = sliding_window_view(np.pad(singing, (_RELEASE_BLOCKS, _ATTACK_BLOCKS)), _RELEASE_BLOCKS + _ATTACK_BLOCKS + 1).max(axis=1)
    kernel = np.ones(2 * _ATTACK_BLOCKS + 1, np.float32) / (2 * _ATTACK_BLOCKS + 1)
    return np.convolve(held, kernel, mode="same").astype(np.float32)


def _envelope_at(envelope: np.ndarray, start: int, stop: int, sample_rate: int) -> np.ndarray:
    block = int(_ENVELOPE_BLOCK_SECONDS * sample_rate)
    centres = (np.arange(len(envelope)) + 0.5) * block
    return np.interp(np.arange(start, stop), centres, envelope).astype(np.float32)


@lru_cache(maxsize=8)
def _band_spectrum(sample_rate: int, size: int) -> np.ndarray:
    """The spectrum, at an FFT size, of a linear-phase FIR band-pass (windowed sinc) over _BAND_HZ.

    Computed once per size: every chunk of a song but the last shares one.
    """
    n = np.arange(_BAND_TAPS) - _BAND_TAPS // 2
    low, high = (f / sample_rate for f in _BAND_HZ)
    taps = 2 * high * np.sinc(2 * high * n) - 2 * low * np.sinc(2 * low * n)
    return np.fft.rfft((taps * np.blackman(_BAND_TAPS)).astype(np.float32), size)


def _band(signal: np.ndarray, start: int, stop: int, sample_rate: int) -> np.ndarray:
    """The band-passed signal over [start, stop), delay-compensated, computed from a chunk with margins."""
    margin = _BAND_TAPS // 2
    left, right = max(start - margin, 0), min(stop + margin, len(signal))
    segment = signal[left:right]
    size = 1 << int(np.ceil(np.log2(len(segment) + _BAND_TAPS)))
    full = np.fft.irfft(np.fft.rfft(segment, size) * _band_spectrum(sample_rate, size), size)
    offset = start - left + margin
    return full[offset : offset + stop - start].astype(np.float32)


def mix_backing(backing: Iterable[tuple[str, np.ndarray]], sung: bool, sample_rate: int) -> np.ndarray:
    """Sum the named mono backing stems into a (2, samples) float32 bus, one stem at a time.

    Under a sung vocal the lead is only a guide. The vocal comes after (`add_vocals`), so the bus,
    one backing stem and the vocal stem are never all held at once.
    """
    stereo = None
    for name, stem in backing:
        if stereo is None:
            stereo = np.zeros((2, len(stem)), np.float32)
        gain, pan = _BACKING[name]
        if name == "lead" and sung:
            gain = _GUIDE_LEAD_GAIN
        left, right = _sides(gain, pan)
        shift = int(_KEYS_WIDTH_SECONDS * sample_rate) if name == "keys" else 0
        _add_scaled(stereo[0], stem, left)
        _add_scaled(stereo[1, shift:], stem[: len(stem) - shift], right)
        del stem  # let the next stem reuse the memory
    return stereo


def add_vocals(stereo: np.ndarray, vocals: np.ndarray, sample_rate: int) -> None:
    """In place: duck the backing and cut its 2-5 kHz band where the voice sings, then add the voice in its room."""
    _make_room(stereo, voice_envelope(vocals, stereo.shape[1], sample_rate), sample_rate)
    for delay, level in ((0.0, 1.0), *_VOCAL_ROOM):
        shift = int(delay * sample_rate)
        side = VOCAL_GAIN * level * np.cos(np.pi / 4)
        for channel in stereo:
            _add_scaled(channel[shift:], vocals[: len(vocals) - shift], side)


def _make_room(stereo: np.ndarray, envelope: np.ndarray, sample_rate: int) -> None:
    """In place, a chunk at a time: duck the backing and cut its 2-5 kHz band where the voice sings.

    The band of each chunk is computed from the backing as it was, so the margin the filter reads
    before the chunk (already processed) is kept aside untouched.
    """
    margin = _BAND_TAPS // 2
    duck, cut = 1 - 10 ** (-DUCK_DB / 20), 1 - 10 ** (-CUT_DB / 20)
    for channel in stereo:
        before = np.zeros(0, np.float32)
        for start in range(0, len(channel), _CHUNK):
            stop = min(start + _CHUNK, len(channel))
            segment = np.concatenate([before, channel[start : min(stop + margin, len(channel))]])
            band = _band(segment, len(before), len(before) + stop - start, sample_rate)
            before = channel[max(stop - margin, 0) : stop].copy()
            singing = _envelope_at(envelope, start, stop, sample_rate)
            channel[start:stop] = (channel[start:stop] - band * (cut * singing)) * (1 - duck * singing)


def _add_scaled(target: np.ndarray, source: np.ndarray, gain: float) -> None:
    """target += source * gain, a chunk at a time so no song-long temporary is made."""
    for start in range(0, len(source), _CHUNK):
        target[start : start + _CHUNK] += source[start : start + _CHUNK] * np.float32(gain)


def lift_choruses(stereo: np.ndarray, plan: SongPlan, sample_rate: int) -> None:
    """In place: choruses LIFT_LU louder than verses, as measured on the mix, with short ramps between parts.

    The lift is measured rather than assumed: a chorus of short lines can hold less voice than a busy verse.
    """
    spans = {kind: [_span(part, plan, sample_rate) for part in plan.parts if part.lyric and progression_family(part.kind) == kind]
             for kind in ("chorus", "verse")}
    if not spans["chorus"] or not spans["verse"]:
        return
    chorus, verse = (gated_loudness(np.concatenate([block_powers(stereo[:, a:b], sample_rate) for a, b in spans[kind]]))
                     for kind in ("chorus", "verse"))
    gain = 10 ** (min(max(LIFT_LU - (chorus - verse), 0.0), _MAX_LIFT_DB) / 20)
    if gain < 10 ** (0.2 / 20):
        return
    half = _LIFT_RAMP_SECONDS / 2
    times, gains = [], []
    for part in plan.parts:
        start, stop = float(plan.seconds(part.start_bar * 4)), float(plan.seconds((part.start_bar + part.bars) * 4))
        lifted = gain if part.lyric and progression_family(part.kind) == "chorus" else 1.0
        times += [start + half, stop - half]
        gains += [lifted, lifted]
    knots = np.array(times) * sample_rate
    for start in range(0, stereo.shape[1], _CHUNK):
        stop = min(start + _CHUNK, stereo.shape[1])
        stereo[:, start:stop] *= np.interp(np.arange(start, stop), knots, gains).astype(np.float32)


def _span(part, plan: SongPlan, sample_rate: int) -> tuple[int, int]:
    return int(plan.seconds(part.start_bar * 4) * sample_rate), int(plan.seconds((part.start_bar + part.bars) * 4) * sample_rate)

"""Bring the mixed song to streaming loudness without clipping, and encode it as MP3."""
from __future__ import annotations

from functools import lru_cache

import lameenc
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

TARGET_LUFS = -14.0
CEILING = 10 ** (-1.5 / 20)  # -1.5 dBFS: MP3 decoding overshoots a little and must stay under -1 dBFS
_LIMITER_BLOCK = 256  # samples per gain decision
_LIMITER_RADIUS = 3  # blocks of look-ahead/hold (and of smoothing) on each side
_CHUNK = 1 << 18  # samples processed at once when converting, to bound memory (a few MB of temporaries)


# ITU BS.1770 K-weighting: a high shelf (+4 dB above ~1.5 kHz) then a high-pass, as biquads at 48 kHz.
_K_SHELF = ((1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585))
_K_HIGHPASS = ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))
_BLOCKS_AT_ONCE = 64
_MASTER_ROUNDS = 3


def _k_weighting_power(frequencies: np.ndarray) -> np.ndarray:
    """|H(f)|² of the K-weighting filters, evaluated on the 48 kHz design (exact below 22 kHz)."""
    z = np.exp(-1j * 2 * np.pi * frequencies / 48000.0)
    response = np.ones_like(z)
    for (b0, b1, b2), (a0, a1, a2) in (_K_SHELF, _K_HIGHPASS):
        response *= (b0 + b1 * z + b2 * z * z) / (a0 + a1 * z + a2 * z * z)
    return np.abs(response) ** 2


def block_powers(stereo: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mean K-weighted power of each 400 ms block, summed over the channels (ITU BS.1770).

    The K-weighting is applied to each block's power spectrum (Parseval), so no filtered copy of the song is made.
    """
    block = int(0.4 * sample_rate)
    blocks = stereo.shape[1] // block
    weights = _spectrum_weights(block, sample_rate)
    power = np.zeros(blocks)
    for channel in stereo:
        framed = channel[: blocks * block].reshape(blocks, block)
        for first in range(0, blocks, _BLOCKS_AT_ONCE):
            spectra = np.abs(np.fft.rfft(framed[first : first + _BLOCKS_AT_ONCE], axis=1)) ** 2
            power[first : first + _BLOCKS_AT_ONCE] += spectra @ weights / block**2
    return power


@lru_cache(maxsize=8)
def _spectrum_weights(block: int, sample_rate: int) -> np.ndarray:
    """|H(f)|² of the K-weighting over a block's one-sided spectrum, computed once per block size."""
    weights = _k_weighting_power(np.fft.rfftfreq(block, 1 / sample_rate))
    weights[1:-1] *= 2  # one-sided spectrum
    return weights


def gated_loudness(power: np.ndarray) -> float:
    """Loudness in LUFS of blocks' powers, with the -70 LUFS absolute and -10 LU relative gates."""
    levels = -0.691 + 10 * np.log10(np.maximum(power, 1e-12))
    audible = power[levels > -70]
    if not len(audible):
        return -70.0
    relative = -0.691 + 10 * np.log10(audible.mean()) - 10
    gated = power[(levels > -70) & (levels > relative)]
    return float(-0.691 + 10 * np.log10(gated.mean()))


def loudness(stereo: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness as ITU BS.1770 measures it: K-weighted, 400 ms blocks, gated."""
    return gated_loudness(block_powers(stereo, sample_rate))


def master(stereo: np.ndarray, sample_rate: int) -> None:
    """In place: gain to TARGET_LUFS, then a look-ahead limiter keeps every peak under CEILING.

    Limiting takes some loudness away, so the gain is measured again and made up (a few rounds at most).
    """
    for _ in range(_MASTER_ROUNDS):
        measured = loudness(stereo, sample_rate)
        if measured <= -70 or abs(measured - TARGET_LUFS) < 0.2:
            break
        stereo *= np.float32(10 ** ((TARGET_LUFS - measured) / 20))
        _limit(stereo)
    _limit(stereo)  # whatever came before (a lift, a gain close enough), no peak passes the ceiling


def _limit(stereo: np.ndarray) -> None:
    length = stereo.shape[1]
    blocks = -(-length // _LIMITER_BLOCK)
    peaks = np.zeros(blocks, np.float32)
    whole = length // _LIMITER_BLOCK
    framed = stereo[:, : whole * _LIMITER_BLOCK].reshape(2, whole, _LIMITER_BLOCK)  # a view, not a copy
    peaks[:whole] = np.maximum(framed.max(axis=(0, 2)), -framed.min(axis=(0, 2)))
    if whole < blocks:
        peaks[whole] = np.abs(stereo[:, whole * _LIMITER_BLOCK :]).max()
    needed = np.minimum(1.0, CEILING / np.maximum(peaks, 1e-9))
    if needed.min() >= 1.0:
        return  # no peak over the ceiling (already limited): every gain would be exactly 1, and nothing clipped
    # A minimum over radius+1 then a mean over radius: every smoothed gain is at most what its block
    # needs, and so is the line between two neighbouring block centres.
    held = sliding_window_view(np.pad(needed, _LIMITER_RADIUS + 1, mode="edge"), 2 * _LIMITER_RADIUS + 3).min(axis=1)
    kernel = np.ones(2 * _LIMITER_RADIUS + 1) / (2 * _LIMITER_RADIUS + 1)
    smooth = np.convolve(np.pad(held, _LIMITER_RADIUS, mode="edge"), kernel, mode="valid")
    centres = (np.arange(blocks) + 0.5) * _LIMITER_BLOCK
    for start in range(0, stereo.shape[1], _CHUNK):
        stop = min(start + _CHUNK, stereo.shape[1])
        gain = np.interp(np.arange(start, stop), centres, smooth).astype(np.float32)
        stereo[:, start:stop] *= gain
    np.clip(stereo, -CEILING, CEILING, out=stereo)


def encode_mp3(stereo: np.ndarray, sample_rate: int, bitrate_kbps: int) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(2)
    encoder.set_quality(7)  # 2 = best, 7 = fastest: half the time of 5, and the words are heard as well (song_quality)
    encoded = bytearray()
    for start in range(0, stereo.shape[1], _CHUNK):
        pcm = np.round(stereo[:, start : start + _CHUNK].T * 32767).astype(np.int16, order="C")
        encoded += encoder.encode(pcm.tobytes())
    encoded += encoder.flush()
    return bytes(encoded)

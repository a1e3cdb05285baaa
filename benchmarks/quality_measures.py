"""Measurements of benchmarks/song_quality.py that need no recogniser: loudness, true peak, lift, tempo, pitch.

Loudness and true peak come from ffmpeg's ebur128 filter (ITU BS.1770 with K-weighting, true peak by
oversampling), not from the synthesizer's own meter. Tempo is the autocorrelation peak of an onset
envelope; pitch is an autocorrelation f0 in the middle of each long sung note.
"""
from __future__ import annotations

import re
import subprocess

import imageio_ffmpeg
import numpy as np

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def decode(mp3: bytes, rate: int) -> np.ndarray:
    """The MP3 as mono float samples at `rate`."""
    command = [FFMPEG, "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1"]
    pcm = subprocess.run(command, input=mp3, capture_output=True, check=True).stdout
    return np.frombuffer(pcm, np.int16).astype(np.float32) / 32768.0


def ebur128(mp3: bytes) -> dict:
    """Integrated loudness, true peak, and the momentary loudness every 100 ms, by ffmpeg."""
    command = [FFMPEG, "-nostats", "-i", "pipe:0", "-af", "ebur128=peak=true:framelog=info", "-f", "null", "-"]
    log = subprocess.run(command, input=mp3, capture_output=True, check=True).stderr.decode()
    frames = [(float(t), float(m)) for t, m in re.findall(r"t:\s*([\d.]+)\s+TARGET:[^M]*M:\s*(-?[\d.]+|-inf)", log)]
    summary = log[log.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s*(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s*(-?[\d.]+|-inf) dBFS", summary).group(1))
    return {"lufs": integrated, "true_peak": peak, "momentary": frames}


def gated_loudness(momentary: list[tuple[float, float]], spans: list[tuple[float, float]]) -> float | None:
    """BS.1770 gating over the 400 ms blocks (ebur128's momentary values) whose end lies within the spans."""
    levels = np.array([m for t, m in momentary if any(a + 0.4 <= t <= b for a, b in spans) and m > -70])
    if not len(levels):
        return None
    power = 10 ** (levels / 10)
    relative = 10 * np.log10(power.mean()) - 10
    return float(10 * np.log10(power[levels > relative].mean()))


def chorus_lift(momentary, sections) -> float | None:
    """Loudness of the choruses minus that of the verses, in LU."""
    def spans(kind: str):
        return [(s["start"], s["end"]) for s in sections if s["label"].lower().startswith(kind)]

    chorus, verse = gated_loudness(momentary, spans("chorus")), gated_loudness(momentary, spans("verse"))
    return None if chorus is None or verse is None else chorus - verse


def tempo(pcm: np.ndarray, rate: int, expected: float) -> float:
    """The tempo heard in the mix: the onset envelope's periodicity near a bar of the expected tempo.

    The search spans ±10 % around four beats (a bar), so a 2 % drift cannot hide, and the bar-long lag
    gives a fine resolution (10 ms hops, refined by parabolic interpolation).
    """
    hop = rate // 100
    frames = len(pcm) // hop
    energy = np.sqrt(np.mean(pcm[: frames * hop].reshape(frames, hop) ** 2, axis=1))
    onsets = np.maximum(np.diff(np.log(energy + 1e-4)), 0)
    onsets -= onsets.mean()
    spectrum = np.fft.rfft(onsets, 2 * len(onsets))
    correlation = np.fft.irfft(np.abs(spectrum) ** 2)[: len(onsets)]
    bar = 4 * 6000.0 / expected  # in hops
    lags = np.arange(int(bar * 0.9), int(bar * 1.1) + 1)
    best = lags[np.argmax(correlation[lags])]
    return 4 * 6000.0 / (best + _parabolic(correlation, best))


def _parabolic(values: np.ndarray, index: int) -> float:
    a, b, c = values[index - 1], values[index], values[index + 1]
    denominator = a - 2 * b + c
    return 0.0 if denominator == 0 else 0.5 * (a - c) / denominator


def f0(segment: np.ndarray, rate: int, low: float = 70.0, high: float = 1000.0) -> float:
    """Autocorrelation pitch estimate of a voiced segment, in Hz (0 when unvoiced)."""
    segment = segment - segment.mean()
    if not np.any(segment):
        return 0.0
    spectrum = np.fft.rfft(segment, 2 * len(segment))
    correlation = np.fft.irfft(np.abs(spectrum) ** 2)[: len(segment)]
    shortest, longest = int(rate / high), int(rate / low)
    lag = shortest + int(np.argmax(correlation[shortest:longest]))
    if correlation[lag] < 0.3 * correlation[0]:
        return 0.0
    return rate / (lag + _parabolic(correlation, lag))


def pitch_errors(vocals: np.ndarray, rate: int, notes: list[tuple[float, float, float]]) -> list[float]:
    """Cents off for each (start s, end s, expected Hz) note at least 0.45 s long, measured 0.10-0.20 s into it:
    past the scoop into the note, before vibrato, before the next syllable's consonants may lead in (up to
    0.25 s early), and within the part of the note that is sung (0.5 s at most inside a line)."""
    errors = []
    for start, end, expected in notes:
        if end - start < 0.45:
            continue
        heard = f0(vocals[int((start + 0.10) * rate) : int((start + 0.20) * rate)], rate)
        if heard:
            cents = 1200 * np.log2(heard / expected)
            errors.append(float(cents - 1200 * np.round(cents / 1200)))  # an octave error is the estimator's, not the note's
    return errors

"""The offline synthesizer: lyrics in, a sung and mixed MP3 with exact line timings out.

It composes, plays and sings the song on this machine with numpy and espeak-ng: tempo, key and
chords from genre and mood (`arrangement`), the form and length from the lyrics (`form`), drums,
bass, keys and a guide lead (`drums`, `instruments`), a voice singing every syllable on its note
(`voice`, `singers`), a mix that keeps the words audible (`mix`), loudness and MP3 (`encode`).
The same request always renders the same bytes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from songcraft.engines.synth.arrangement import SongPlan, plan_song, request_seed
from songcraft.engines.synth.drums import render_drums
from songcraft.engines.synth.encode import encode_mp3, master
from songcraft.engines.synth.instruments import render_bass, render_keys, render_lead
from songcraft.engines.synth.mix import add_vocals, lift_choruses, mix_backing
from songcraft.engines.synth.singers import LANGUAGES, VOCAL_STYLES, default_vocal_style
from songcraft.engines.synth.voice import render_vocals
from songcraft.providers.audio.base import AudioRequest, LineTiming, SectionTiming

__all__ = ["LANGUAGES", "VOCAL_STYLES", "RenderedSong", "default_vocal_style", "plan_song", "render_song", "request_seed"]

_LIFT_ROUNDS = 3
_BACKING = (("drums", render_drums), ("bass", render_bass), ("keys", render_keys), ("lead", render_lead))


@dataclass(frozen=True)
class RenderedSong:
    mp3: bytes
    duration_seconds: float
    sections: tuple[SectionTiming, ...]
    lines: tuple[LineTiming, ...]  # every sung line, exactly as scheduled


def backing_stems(plan: SongPlan, sample_rate: int) -> Iterator[tuple[str, np.ndarray]]:
    """Each instrument's mono float32 track, one at a time (so a mix never holds them all)."""
    for name, render in _BACKING:
        yield name, render(plan, sample_rate)


def render_stems(plan: SongPlan, sample_rate: int = 44100) -> dict[str, np.ndarray]:
    """Every stem at once, for tests and measurements (a render uses `backing_stems` instead)."""
    stems = dict(backing_stems(plan, sample_rate))
    if plan.sung:
        stems["vocals"] = render_vocals(plan, sample_rate)
    return stems


def render_song(
    request: AudioRequest, sample_rate: int = 44100, bitrate_kbps: int = 128, progress: Callable[[int], None] | None = None
) -> RenderedSong:
    """Compose, play, sing, mix and encode the song. Raises ProviderError for lyrics it cannot sing."""
    report = progress or (lambda percent: None)
    plan = plan_song(request)
    report(10)
    stereo = mix_backing(_reporting(backing_stems(plan, sample_rate), report, first=10, last=50), plan.sung, sample_rate)
    if plan.sung:  # sung after the backing is mixed, so no backing stem is held beside the vocal
        vocals = render_vocals(plan, sample_rate)
        report(75)
        add_vocals(stereo, vocals, sample_rate)
        del vocals
    report(80)
    for _ in range(_LIFT_ROUNDS):  # the limiter flattens loud choruses a little: measure the lift again once mastered
        lift_choruses(stereo, plan, sample_rate)
        master(stereo, sample_rate)
    report(85)
    data = encode_mp3(stereo, sample_rate, bitrate_kbps)
    duration = round(stereo.shape[1] / sample_rate, 3)
    return RenderedSong(data, duration, plan.section_timings(), plan.line_timings())


def _reporting(stems: Iterator[tuple[str, np.ndarray]], report: Callable[[int], None], first: int, last: int):
    done = 0  # counted by hand: enumerate() would keep the previous stem alive while the next renders
    for named_stem in stems:
        yield named_stem
        del named_stem  # the mix holds the only reference while the next stem renders
        done += 1
        report(first + (last - first) * done // len(_BACKING))

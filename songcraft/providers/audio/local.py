"""An offline audio provider: composes, plays and sings the song on this machine, with numpy and espeak-ng.

Nothing leaves the process, so it needs no key and costs nothing: the dev/test stand-in for a paid
music API, and a fallback that always answers. The work happens in `wait`; `submit` only names the job.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from songcraft.providers.audio.base import AudioRequest, AudioTake, ProgressCallback
from songcraft.providers.audio.synth_arrangement import SongPlan, plan_song, request_seed
from songcraft.providers.audio.synth_drums import render_drums
from songcraft.providers.audio.synth_encode import encode_mp3, master, mix
from songcraft.providers.audio.synth_instruments import render_bass, render_keys, render_lead
from songcraft.providers.audio.synth_voice import render_vocals
from songcraft.providers.errors import ProviderError

_JOB_PREFIX = "local-"
_RENDERERS = (("drums", render_drums), ("bass", render_bass), ("keys", render_keys), ("lead", render_lead))


def iter_stems(plan: SongPlan, sample_rate: int) -> Iterator[tuple[str, np.ndarray]]:
    """Each instrument's mono float32 track, one at a time (so a mix never holds them all)."""
    for name, render in _RENDERERS:
        yield name, render(plan, sample_rate)
    if plan.sung:
        yield "vocals", render_vocals(plan, sample_rate)


def render_stems(plan: SongPlan, sample_rate: int = 44100) -> dict[str, np.ndarray]:
    return dict(iter_stems(plan, sample_rate))


class LocalAudioProvider:
    name = "local"

    def __init__(self, sample_rate: int = 44100, bitrate_kbps: int = 128) -> None:
        self.sample_rate = sample_rate
        self.bitrate_kbps = bitrate_kbps

    def submit(self, request: AudioRequest) -> str:
        return f"{_JOB_PREFIX}{request_seed(request):016x}"

    def wait(self, job_id: str, request: AudioRequest, progress: ProgressCallback | None = None) -> list[AudioTake]:
        if job_id != self.submit(request):
            raise ProviderError("This song's audio job does not match its request; please start it again.")
        report = progress or (lambda percent: None)
        report(0)
        plan = plan_song(request)
        report(10)
        stems = _reporting(iter_stems(plan, self.sample_rate), report, first=15, last=80, count=5 if plan.sung else 4)
        stereo = mix(stems, self.sample_rate, plan.sung)
        master(stereo, self.sample_rate)
        report(85)
        data = encode_mp3(stereo, self.sample_rate, self.bitrate_kbps)
        report(100)
        duration = stereo.shape[1] / self.sample_rate
        sections = plan.section_timings()
        return [AudioTake(data, round(duration, 3), provider_take_id=job_id, sections=sections)]


def _reporting(stems, report: ProgressCallback, first: int, last: int, count: int):
    done = 0  # counted by hand: enumerate() would keep the previous stem alive while the next renders
    for named_stem in stems:
        yield named_stem
        del named_stem  # the mix holds the only reference while the next stem renders
        done += 1
        report(first + (last - first) * done // count)

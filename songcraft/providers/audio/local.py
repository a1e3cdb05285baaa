"""The offline audio provider: a thin adapter over the synthesizer engine (`songcraft.engines.synth`).

Nothing leaves the process, so it needs no key and costs nothing: the dev/test stand-in for a paid
music API, and a fallback that always answers. The work happens in `wait`; `submit` only names the job.
"""
from __future__ import annotations

from songcraft.engines.synth import render_song, request_seed
from songcraft.providers.audio.base import AudioRequest, AudioTake, ProgressCallback
from songcraft.providers.errors import ProviderError

_JOB_PREFIX = "local-"


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
        song = render_song(request, self.sample_rate, self.bitrate_kbps, report)
        report(100)
        return [AudioTake(song.mp3, song.duration_seconds, provider_take_id=job_id, sections=song.sections, lines=song.lines)]

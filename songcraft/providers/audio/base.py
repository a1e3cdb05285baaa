"""The audio provider interface and the value objects it speaks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

from songcraft.providers.lyrics.base import Lyrics

ProgressCallback = Callable[[int], None]  # receives 0-100 within the step


@dataclass(frozen=True)
class AudioRequest:
    title: str
    lyrics: Lyrics | None  # None for instrumentals
    genre: str
    mood: str
    instrumental: bool = False
    seed: int = 0
    callback_url: str | None = None
    vocal_style: str | None = None  # "female" | "male" | "duet"; None: the genre's default
    language: str = "en"  # ISO code of the lyrics' language
    recipient_name: str = ""  # which words of the lyrics are the name (sung whole, on a long note)
    name_pronunciation: str = ""  # e.g. "ow-REL-ya": syllables by hyphens, the stressed one in capitals


@dataclass(frozen=True)
class SectionTiming:
    """Where a lyrics section sits in the rendered audio (used for video captions)."""

    label: str
    start_seconds: float
    end_seconds: float
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class LineTiming:
    """When one lyric line is sung, in seconds from the start of the take."""

    start_seconds: float
    end_seconds: float
    text: str
    section: str = ""  # the label of the section the line belongs to, e.g. "Chorus"


@dataclass(frozen=True)
class AudioTake:
    data: bytes  # the encoded file (MP3)
    duration_seconds: float
    content_type: str = "audio/mpeg"
    provider_take_id: str | None = None
    sections: tuple[SectionTiming, ...] = ()  # empty when the provider does not tell
    lines: tuple[LineTiming, ...] = ()  # every sung line in order; empty for instrumentals
    lines_estimated: bool = False  # True when the line timings are estimated rather than known


class AudioProvider(Protocol):
    name: str

    def submit(self, request: AudioRequest) -> str:
        """Start a job and return the provider's job id.

        The caller stores the id before waiting, so a retried step resumes the
        same job instead of paying for a second one.
        """
        ...

    def wait(self, job_id: str, request: AudioRequest, progress: ProgressCallback | None = None) -> list[AudioTake]:
        """Block until the job's takes are ready and return them downloaded."""
        ...


class AudioCallback(Protocol):
    """What a provider's callback says, as far as an unsigned request can be trusted: which job has news."""

    @property
    def job_id(self) -> str: ...

    @property
    def final(self) -> bool:
        """The job has ended, well or badly: worth looking at now."""
        ...


@runtime_checkable
class AcceptsCallbacks(Protocol):
    """An audio provider that calls us back (SUNO_CALLBACK_URL) when a job progresses.

    A callback is only a hint to look now: `wake` ends the pause of a `wait` on that job running in
    this process, so the step collects the takes from the provider's API at once.
    """

    def parse_callback(self, payload: dict) -> AudioCallback:
        """Read a callback body; raises ProviderError when it is not one."""
        ...

    def wake(self, job_id: str) -> None:
        ...

"""Songs rendered by Suno through the sunoapi.org HTTP API.

The job is started with ``POST /api/v1/generate`` and followed by polling
``GET /api/v1/generate/record-info`` (:meth:`SunoAudioProvider.wait`). Suno's
callback (:meth:`SunoAudioProvider.parse_callback`) is unsigned, so it is only
a hint: :meth:`SunoAudioProvider.wake` makes a waiting poll look at once.

Every API call waits its turn in a rate limiter shared by all workers (Suno allows 20 requests
per 10 s per account) and is judged by the one table of Suno's codes (`suno_codes`): throttling
and maintenance are retried, an empty account or a refused key fails fast with an operator
alert, and a poll that was throttled never fails a job that is still running.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Sequence

import requests

from songcraft.providers.audio.base import AudioRequest, AudioTake, LineTiming, ProgressCallback
from songcraft.providers.audio.sniff import audio_content_type
from songcraft.providers.audio.suno_codes import CALLBACK_CODES, TaskState, body_code, task_status
from songcraft.providers.audio.suno_payload import field_limits, generate_payload, lyrics_prompt
from songcraft.providers.audio.suno_timings import estimate_lines, lines_from_aligned_words
from songcraft.providers.errors import Outcome, ProviderError, TransientProviderError, error_for
from songcraft.providers.http import FileGone, download, is_transient_status, transport_errors
from songcraft.providers.lyrics.base import Lyrics
from songcraft.providers.rate_limit import LocalRateLimiter, RateLimiter

log = logging.getLogger(__name__)

SERVICE = "Suno"
ROLE = "music studio"  # what customers read in an error
AUDIO_HOST = "Suno's audio host"
GENERATE_PATH = "/api/v1/generate"
RECORD_INFO_PATH = "/api/v1/generate/record-info"
TIMESTAMPED_LYRICS_PATH = "/api/v1/generate/get-timestamped-lyrics"
CREDIT_PATH = "/api/v1/generate/credit"
# sunoapi.org's documented limit is 20 requests per 10 s per account. Our window is a second longer:
# requests reach Suno a little later, and less evenly, than they leave our workers.
REQUESTS_PER_WINDOW, WINDOW_SECONDS = 20, 11.0
MAX_POLL_INTERVAL = 30.0
POLL_BACKOFF = 1.5
CALLBACK_TYPES = frozenset({"text", "first", "complete", "error"})


@dataclass(frozen=True)
class TakeMetadata:
    id: str
    audio_url: str
    duration_seconds: float


@dataclass(frozen=True)
class SunoCallback:
    task_id: str
    callback_type: str  # "text" | "first" | "complete" | "error"
    takes: tuple[TakeMetadata, ...]  # only takes whose audio is ready to download
    error_message: str | None = None

    @property
    def is_complete(self) -> bool:
        return self.callback_type == "complete"

    @property
    def job_id(self) -> str:
        return self.task_id

    @property
    def final(self) -> bool:
        return self.callback_type in ("complete", "error")


class SunoAudioProvider:
    name = "suno"

    def __init__(
        self,
        api_key: str,
        base_url: str,
        model: str = "V4_5",
        callback_url: str = "",
        poll_interval: float = 5.0,
        poll_timeout: float = 600.0,
        download_max_bytes: int = 50_000_000,
        download_timeout: float = 60.0,
        http_timeout: float = 30.0,
        limiter: RateLimiter | None = None,
        private_hosts: frozenset[str] = frozenset(),
        retry_pauses: Sequence[float] = (2.0, 5.0),
    ) -> None:
        field_limits(model)  # an unknown model is refused here, before any song is paid for
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._model = model
        self._callback_url = callback_url
        self._poll_interval = poll_interval
        self._poll_timeout = poll_timeout
        self._download_max_bytes = download_max_bytes
        self._download_timeout = download_timeout
        self._http_timeout = http_timeout
        self._limiter = limiter or LocalRateLimiter(SERVICE, REQUESTS_PER_WINDOW, WINDOW_SECONDS)
        self._private_hosts = private_hosts  # hosts allowed to be private: only the test suite's loopback fakes
        self._retry_pauses = tuple(retry_pauses)  # pauses between attempts of a call Suno throttled
        self._wakeups: dict[str, threading.Event] = {}  # per job being waited for in this process
        self._wakeups_lock = threading.Lock()

    @property
    def model(self) -> str:
        return self._model

    # -- AudioProvider ---------------------------------------------------------
    def submit(self, request: AudioRequest) -> str:
        payload = generate_payload(request, self._model, self._callback_url)
        data = self._call("post", GENERATE_PATH, "start the song", json=payload)
        task_id = data.get("taskId") if isinstance(data, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise ProviderError("Suno accepted the song but gave no task id.")
        return task_id

    def wait(self, job_id: str, request: AudioRequest, progress: ProgressCallback | None = None) -> list[AudioTake]:
        """Poll with growing pauses until the task succeeds, fails or ``poll_timeout`` passes.

        A throttled or failed poll only lengthens the pause: the job keeps running (it is paid
        for), so only the deadline ends the wait, and the step's retry resumes the same job.
        """
        deadline = time.monotonic() + self._poll_timeout
        interval, reported, refused_in_a_row = self._poll_interval, 0, 0
        with self._wakeups_lock:
            wakeup = self._wakeups.setdefault(job_id, threading.Event())
        try:
            while True:
                record = self._poll_once(job_id)
                refused_in_a_row = refused_in_a_row + 1 if record is None else 0
                if record is not None:
                    status = task_status(record.get("status"))
                    takes = _takes_with_audio(record)
                    if status.state is TaskState.DONE or (status.state is TaskState.AUDIO_IF_PRESENT and takes):
                        collected = self.fetch_takes(job_id, _all_takes_ready(record, status.state, takes), request)
                        if progress:
                            progress(100)
                        return collected
                    if status.state is TaskState.FAILED:
                        raise ProviderError(f"Suno could not make the song: {_failure_reason(record, status.meaning)}")
                    if progress and status.progress > reported:
                        reported = status.progress
                        progress(reported)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TransientProviderError(f"Suno did not finish the song within {self._poll_timeout:g} s.")
                # Back off harder while refused; a callback about the job ends the pause at once.
                if wakeup.wait(min(interval * 2 ** refused_in_a_row, MAX_POLL_INTERVAL, remaining)):
                    wakeup.clear()
                if record is not None:
                    interval = min(interval * POLL_BACKOFF, MAX_POLL_INTERVAL)
        finally:
            with self._wakeups_lock:
                self._wakeups.pop(job_id, None)

    def wake(self, job_id: str) -> None:
        """Suno called back about ``job_id``: a ``wait`` on it in this process polls now instead of pausing."""
        with self._wakeups_lock:
            wakeup = self._wakeups.get(job_id)
        if wakeup is not None:
            wakeup.set()

    # -- callbacks -------------------------------------------------------------
    @staticmethod
    def parse_callback(payload: dict) -> SunoCallback:
        """Read Suno's callback body. Raises ProviderError when it is not one.

        The callback is not signed, so anyone could post one: the safest use is
        as a hint to call :meth:`wait` at once (one poll, audio URLs from the API).
        """
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict) or not data.get("task_id"):
            raise ProviderError("The Suno callback carries no task id.")
        failed = payload.get("code") != 200
        callback_type = "error" if failed else data.get("callbackType")
        if callback_type not in CALLBACK_TYPES:
            raise ProviderError(f"The Suno callback has an unknown type: {callback_type!r}.")
        items = data.get("data") or []
        return SunoCallback(
            task_id=str(data["task_id"]),
            callback_type=callback_type,
            takes=tuple(_take(item, "audio_url") for item in items if isinstance(item, dict) and item.get("audio_url")),
            error_message=(payload.get("msg") or "Suno could not make the song.") if failed else None,
        )

    # -- takes -------------------------------------------------------------------
    def fetch_takes(self, job_id: str, takes: Sequence[TakeMetadata], request: AudioRequest) -> list[AudioTake]:
        """Download every take (checked to be audio) and work out when each lyric line is sung in it."""
        if not takes:
            raise ProviderError("Suno finished without any audio.")
        collected = []
        for take in takes:
            data, content_type = self._download(job_id, take)
            lines, estimated = self._line_timings(job_id, take, request)
            collected.append(AudioTake(data=data, duration_seconds=take.duration_seconds, content_type=content_type,
                                       provider_take_id=take.id, lines=lines, lines_estimated=estimated))
        return collected

    def sung_lyrics(self, request: AudioRequest) -> Lyrics | None:
        """The lyrics exactly as sent to Suno (cut to the model's limit), or None for an instrumental."""
        if request.instrumental or request.lyrics is None:
            return None
        return Lyrics.from_text(request.title, lyrics_prompt(request.lyrics, field_limits(self._model).prompt))

    def _download(self, job_id: str, take: TakeMetadata) -> tuple[bytes, str]:
        """The take's bytes; on 403/404 Suno's links may have expired, so ask record-info for fresh ones once."""
        try:
            data = self._fetch_file(take.audio_url)
        except FileGone:
            log.info("Suno take %s gone at its URL; asking for a fresh one", take.id)
            try:
                data = self._fetch_file(self._fresh_audio_url(job_id, take.id))
            except FileGone as error:
                raise TransientProviderError(f"{AUDIO_HOST} does not have take {take.id} (yet).") from error
        content_type = audio_content_type(data)
        if content_type is None:
            raise TransientProviderError(f"{AUDIO_HOST} answered with something that is not audio for take {take.id}.")
        return data, content_type

    def _fetch_file(self, url: str) -> bytes:
        return download(url, max_bytes=self._download_max_bytes, timeout=self._download_timeout, service=AUDIO_HOST,
                             private_hosts=self._private_hosts)

    def _fresh_audio_url(self, job_id: str, take_id: str) -> str:
        record = self._call("get", RECORD_INFO_PATH, "report on the song", params={"taskId": job_id})
        for take in _takes_with_audio(record if isinstance(record, dict) else {}):
            if take.id == take_id:
                return take.audio_url
        raise TransientProviderError(f"Suno no longer lists audio for take {take_id}.")

    def _line_timings(self, job_id: str, take: TakeMetadata, request: AudioRequest) -> tuple[tuple[LineTiming, ...], bool]:
        """Suno's own word timings mapped onto the lines; estimated from syllables when it has none."""
        lyrics = self.sung_lyrics(request)
        if lyrics is None:
            return (), False
        try:
            data = self._call("post", TIMESTAMPED_LYRICS_PATH, "align the lyrics", attempts=1,
                              json={"taskId": job_id, "audioId": take.id})
            words = data.get("alignedWords") if isinstance(data, dict) else None
            lines = lines_from_aligned_words(words, lyrics, take.duration_seconds) if isinstance(words, list) else None
        except ProviderError as error:  # timings are a nicety: never fail a finished song for them
            log.warning("Suno's timestamped lyrics for take %s failed (%s); estimating", take.id, error)
            lines = None
        if lines is None:
            return estimate_lines(lyrics, take.duration_seconds), True
        return lines, False

    # -- account -----------------------------------------------------------------
    def remaining_credits(self, timeout: float | None = None) -> int:
        """The account's credit balance (``GET /api/v1/generate/credit``)."""
        credits = self._call("get", CREDIT_PATH, "report the credits", attempts=1, timeout=timeout)
        if isinstance(credits, bool) or not isinstance(credits, (int, float)):
            raise ProviderError("Suno's credit balance is not a number.")
        return int(credits)

    # -- HTTP --------------------------------------------------------------------
    def _poll_once(self, job_id: str) -> dict[str, Any] | None:
        """One record-info call, or None when Suno is busy, throttling or unreachable (the caller backs off)."""
        try:
            record = self._call("get", RECORD_INFO_PATH, "report on the song", attempts=1, params={"taskId": job_id})
        except TransientProviderError as error:
            log.warning("Suno poll for task %s failed, will retry: %s", job_id, error)
            return None
        return record if isinstance(record, dict) else {}

    def _call(self, method: str, path: str, action: str, attempts: int | None = None, timeout: float | None = None,
              **kwargs: Any) -> Any:
        """Send one API call and return the body's ``data``; Suno's codes decide between retry, fail and alert.

        Only answers that say nothing was started (throttling, maintenance, server errors) are
        retried here; a timeout is not, since a `generate` that timed out may have been paid for.
        """
        attempts, attempt = attempts or len(self._retry_pauses) + 1, 1
        while True:
            self._limiter.acquire()
            with transport_errors(SERVICE):
                response = requests.request(method, self._base_url + path, headers={"Authorization": f"Bearer {self._api_key}"},
                                            timeout=timeout or self._http_timeout, **kwargs)
            body = _json_body(response)
            code, outcome, meaning = _judge(response, body)
            if outcome is Outcome.OK:
                return body.get("data")
            detail = f"{body.get('msg') or meaning} (code {code})"
            if outcome is Outcome.RETRY and attempt < attempts:
                log.info("Suno asked us to wait (%s) before we %s; retrying", detail, action)
                time.sleep(self._retry_pauses[min(attempt, len(self._retry_pauses)) - 1])
                attempt += 1
                continue
            raise error_for(outcome, "suno", ROLE, _explain(outcome, action, detail))


def _explain(outcome: Outcome, action: str, detail: str) -> str:
    if outcome is Outcome.OUT_OF_CREDITS:
        return f"Suno has no credits left and refused to {action}: {detail}. Top up the account at sunoapi.org."
    if outcome is Outcome.REJECTED_KEY:
        return f"Suno refused SUNO_API_KEY when asked to {action}: {detail}."
    if outcome is Outcome.RETRY:
        return f"Suno is busy and could not {action}: {detail}"
    return f"Suno could not {action}: {detail}"


def _judge(response: requests.Response, body: dict[str, Any]) -> tuple[int, Outcome, str]:
    """Suno's code (in the body, whatever the HTTP status) looked up in the table; without a Suno
    body (a proxy or load balancer answered), the HTTP status with plain HTTP semantics."""
    code = body.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        entry = body_code(code)
        return code, entry.outcome, entry.meaning
    status = response.status_code
    if response.ok:
        return status, Outcome.RETRY, "an answer without a code"
    if is_transient_status(status):
        return status, Outcome.RETRY, f"HTTP {status}"
    return status, (Outcome.REJECTED_KEY if status == 401 else Outcome.FAIL), f"HTTP {status}"


def _takes_with_audio(record: dict[str, Any]) -> list[TakeMetadata]:
    items = (record.get("response") or {}).get("sunoData") or []
    return [take for take in (_take(item, "audioUrl") for item in items if isinstance(item, dict)) if take.audio_url]


def _all_takes_ready(record: dict[str, Any], state: TaskState, with_audio: list[TakeMetadata]) -> list[TakeMetadata]:
    """On SUCCESS every take must have audio; after a callback exception the ones that have it are used."""
    listed = (record.get("response") or {}).get("sunoData") or []
    if state is TaskState.DONE and len(with_audio) < len(listed):
        raise ProviderError("Suno reported the song done but a take has no audio.")
    return with_audio


def _failure_reason(record: dict[str, Any], meaning: str) -> str:
    return record.get("errorMessage") or CALLBACK_CODES.get(record.get("errorCode")) or meaning.lower()


def _take(item: dict[str, Any], url_field: str) -> TakeMetadata:
    return TakeMetadata(
        id=str(item.get("id") or ""),
        audio_url=item.get(url_field) or "",
        duration_seconds=float(item.get("duration") or 0.0),
    )


def _json_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}

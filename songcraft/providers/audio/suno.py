"""Songs rendered by Suno through the widely used third-party Suno HTTP API.

The job is started with ``POST /api/v1/generate`` and followed by polling
``GET /api/v1/generate/record-info`` (:meth:`SunoAudioProvider.wait`). Suno's
callback (:meth:`SunoAudioProvider.parse_callback`) is unsigned, so it is only
a hint: :meth:`SunoAudioProvider.wake` makes a waiting poll look at once.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Sequence

import requests

from songcraft.providers import http
from songcraft.providers.audio.base import AudioRequest, AudioTake, ProgressCallback
from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.lyrics.base import Lyrics

log = logging.getLogger(__name__)

SERVICE = "Suno"
AUDIO_HOST = "Suno's audio host"
MAX_POLL_INTERVAL = 30.0
POLL_BACKOFF = 1.5
# Suno's own codes (in the JSON body) that mean "try again later": too many calls, maintenance.
TRANSIENT_CODES = frozenset({430, 455})

PROGRESS_BY_STATUS = {"PENDING": 10, "TEXT_SUCCESS": 40, "FIRST_SUCCESS": 70}
FAILED_STATUSES = frozenset({"CREATE_TASK_FAILED", "GENERATE_AUDIO_FAILED", "CALLBACK_EXCEPTION", "SENSITIVE_WORD_ERROR"})
CALLBACK_TYPES = frozenset({"text", "first", "complete", "error"})


@dataclass(frozen=True)
class FieldLimits:
    prompt: int
    style: int
    title: int


LEGACY_MODEL_LIMITS = FieldLimits(prompt=3000, style=200, title=80)  # V3_5 and V4
CURRENT_MODEL_LIMITS = FieldLimits(prompt=5000, style=1000, title=100)  # V4_5 and newer


def field_limits(model: str) -> FieldLimits:
    return LEGACY_MODEL_LIMITS if model in ("V3_5", "V4") else CURRENT_MODEL_LIMITS


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
        callback_url: str | None = None,
        poll_interval: float = 5.0,
        poll_timeout: float = 600.0,
        download_max_bytes: int = 50_000_000,
        download_timeout: float = 60.0,
        http_timeout: float = 30.0,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._model = model
        self._callback_url = callback_url
        self._poll_interval = poll_interval
        self._poll_timeout = poll_timeout
        self._download_max_bytes = download_max_bytes
        self._download_timeout = download_timeout
        self._http_timeout = http_timeout
        self._wakeups: dict[str, threading.Event] = {}  # per job being waited for in this process
        self._wakeups_lock = threading.Lock()

    # -- AudioProvider ---------------------------------------------------------
    def submit(self, request: AudioRequest) -> str:
        data = self._call("post", "/api/v1/generate", "start the song", json=self.generate_payload(request))
        task_id = data.get("taskId")
        if not isinstance(task_id, str) or not task_id:
            raise ProviderError("Suno accepted the song but gave no task id.")
        return task_id

    def wait(self, job_id: str, request: AudioRequest, progress: ProgressCallback | None = None) -> list[AudioTake]:
        """Poll with growing pauses until the task succeeds, fails or ``poll_timeout`` passes."""
        deadline = time.monotonic() + self._poll_timeout
        interval, reported = self._poll_interval, 0
        with self._wakeups_lock:
            wakeup = self._wakeups.setdefault(job_id, threading.Event())
        try:
            while True:
                record = self._poll_once(job_id, deadline)
                status = record.get("status")
                if status == "SUCCESS":
                    takes = self.fetch_takes(_takes_from_record(record))
                    if progress:
                        progress(100)
                    return takes
                if status in FAILED_STATUSES:
                    reason = record.get("errorMessage") or status.replace("_", " ").lower()
                    raise ProviderError(f"Suno could not make the song: {reason}")
                if progress and PROGRESS_BY_STATUS.get(status, 0) > reported:
                    reported = PROGRESS_BY_STATUS[status]
                    progress(reported)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TransientProviderError(f"Suno did not finish the song within {self._poll_timeout:g} s.")
                if wakeup.wait(min(interval, remaining)):  # a callback said the job has news
                    wakeup.clear()
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

    def fetch_takes(self, takes: Sequence[TakeMetadata]) -> list[AudioTake]:
        if not takes:
            raise ProviderError("Suno finished without any audio.")
        return [
            AudioTake(
                data=http.download(
                    take.audio_url,
                    max_bytes=self._download_max_bytes,
                    timeout=self._download_timeout,
                    service=AUDIO_HOST,
                ),
                duration_seconds=take.duration_seconds,
                provider_take_id=take.id,
            )
            for take in takes
        ]

    # -- request building ------------------------------------------------------
    def generate_payload(self, request: AudioRequest) -> dict[str, Any]:
        """The ``/generate`` body, with every field cut to the model's limits."""
        limits = field_limits(self._model)
        instrumental = request.instrumental or request.lyrics is None
        payload: dict[str, Any] = {
            "customMode": True,
            "instrumental": instrumental,
            "model": self._model,
            "style": truncate(", ".join(filter(None, (request.genre, request.mood))), limits.style, ","),
            "title": truncate(request.title, limits.title, " "),
        }
        if not instrumental:
            payload["prompt"] = lyrics_prompt(request.lyrics, limits.prompt)
        callback_url = request.callback_url or self._callback_url
        if callback_url:
            payload["callBackUrl"] = callback_url
        return payload

    # -- HTTP --------------------------------------------------------------------
    def _poll_once(self, job_id: str, deadline: float) -> dict[str, Any]:
        """One record-info call; a passing failure is only fatal once the deadline has passed."""
        try:
            return self._call("get", "/api/v1/generate/record-info", "report on the song", params={"taskId": job_id})
        except TransientProviderError as error:
            if time.monotonic() >= deadline:
                raise
            log.warning("Suno poll for task %s failed, will retry: %s", job_id, error)
            return {"status": "PENDING"}

    def _call(self, method: str, path: str, action: str, **kwargs: Any) -> dict[str, Any]:
        """Send one API call and return the body's ``data``; map Suno's codes to provider errors."""
        with http.transport_errors(SERVICE):
            response = requests.request(
                method,
                self._base_url + path,
                headers={"Authorization": f"Bearer {self._api_key}"},
                timeout=self._http_timeout,
                **kwargs,
            )
        body = _json_body(response)
        code = body.get("code") if response.ok else response.status_code
        if code == 200 and isinstance(body.get("data"), dict):
            return body["data"]
        message = f"Suno could not {action}: {body.get('msg') or f'error {code}'}"
        if isinstance(code, int) and (code in TRANSIENT_CODES or http.is_transient_status(code)):
            raise TransientProviderError(message)
        raise ProviderError(message)


def lyrics_prompt(lyrics: Lyrics | None, limit: int) -> str:
    """Lyrics text within ``limit`` characters, cut after a whole line and never ending on a bare heading."""
    text = truncate(lyrics.as_text() if lyrics else "", limit, "\n")
    lines = text.splitlines()
    while lines and (not lines[-1].strip() or lines[-1].startswith("[")):
        lines.pop()
    return "\n".join(lines)


def truncate(text: str, limit: int, separator: str) -> str:
    """``text`` cut to ``limit`` characters, at the last ``separator`` when there is one."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    boundary = cut.rfind(separator)
    return (cut[:boundary] if boundary > 0 else cut).rstrip(" ,\n")


def _takes_from_record(record: dict[str, Any]) -> list[TakeMetadata]:
    items = (record.get("response") or {}).get("sunoData") or []
    takes = [_take(item, "audioUrl") for item in items if isinstance(item, dict)]
    if any(not take.audio_url for take in takes):
        raise ProviderError("Suno reported the song done but a take has no audio.")
    return takes


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

"""A loopback fake of sunoapi.org, as strict as the real API, serving real MP3 takes.

Routes (all but ``/files`` demand ``Authorization: Bearer <api_key>``, else code 401):

* ``POST /api/v1/generate`` checks the body as Suno documents it — ``callBackUrl`` present, a
  current model, ``style``/``title`` (and ``prompt`` unless instrumental) in custom mode, each
  within the model's length limit (413), ``vocalGender`` if given ``m`` or ``f`` — and charges
  ``credits_per_song`` (code 429 when short);
* ``GET /api/v1/generate/record-info?taskId=`` walks the task through a scripted status
  sequence, one status per poll, repeating the last one (so ``("PENDING",)`` never finishes);
* ``POST /api/v1/generate/get-timestamped-lyrics`` answers ``alignedWords`` for a take: the
  sung text in fragments (headings glued to the next word, long words split, line ends as
  ``\\n``), on a schedule the test can read back with :meth:`FakeSuno.line_schedule`;
* ``GET /api/v1/generate/credit`` answers the balance;
* ``GET /files/<task>-<n>-v<k>.mp3`` serves the takes, no key needed (a CDN). After
  :meth:`FakeSuno.expire_links` the old links answer 403 and record-info hands out new ones.

As on the real API, errors are ``code`` in an HTTP 200 body: ``fail_next(code)`` makes the next
calls answer any documented code, and calls beyond ``rate_limit`` per ``rate_window`` seconds
(20 per 10 s, as documented) answer 430 and are counted in ``throttled``.
The limits below are copied from the documentation on purpose, not imported from the app: the
fake is an independent witness of what Suno accepts.
"""
from __future__ import annotations

import collections
import functools
import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import lameenc
import numpy as np

from tests.fakes.loopback import LoopbackServer, RecordedRequest, Reply

GENERATE_PATH = "/api/v1/generate"
RECORD_INFO_PATH = "/api/v1/generate/record-info"
TIMESTAMPED_LYRICS_PATH = "/api/v1/generate/get-timestamped-lyrics"
CREDIT_PATH = "/api/v1/generate/credit"
API_PATHS = (GENERATE_PATH, RECORD_INFO_PATH, TIMESTAMPED_LYRICS_PATH, CREDIT_PATH)
SUCCESS_SEQUENCE = ("PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS")
SAMPLE_RATE = 22_050

# https://docs.sunoapi.org/suno-api/generate-music: (prompt, style, title) limits per model.
DOCUMENTED_LIMITS = {
    "V4": (3000, 200, 80), "V4_5": (5000, 1000, 100), "V4_5PLUS": (5000, 1000, 100),
    "V4_5ALL": (5000, 1000, 80), "V5": (5000, 1000, 100), "V5_5": (5000, 1000, 100),
}
# The documented values of the optional vocalGender: m (male), f (female).
DOCUMENTED_VOCAL_GENDERS = ("m", "f")
# The documented body codes, with messages in the API's style.
MESSAGES = {
    400: "Invalid parameters", 401: "You do not have access permissions", 404: "Request method or path error",
    405: "Rate limit exceeded", 413: "Theme or prompt too long", 429: "The current credits are insufficient. Please top up.",
    430: "Your call frequency is too high. Please try again later.", 455: "System maintenance, please try again later",
    500: "Server exception",
}
_HEADING = re.compile(r"^\s*\[[^\]]*\]\s*$")


@functools.lru_cache(maxsize=None)
def sine_mp3(seconds: float, frequency: float) -> bytes:
    """A real mono MP3 of a sine tone."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    pcm = (np.sin(2 * np.pi * frequency * t) * 12_000).astype("<i2").tobytes()
    return bytes(encoder.encode(pcm) + encoder.flush())


def body(code: int, data: Any = None, msg: str | None = None) -> Reply:
    """A Suno answer: always HTTP 200, the outcome in ``code``."""
    return Reply.json({"code": code, "msg": msg or ("success" if code == 200 else MESSAGES.get(code, "error")), "data": data})


@dataclass
class FakeTask:
    task_id: str
    request: dict[str, Any]
    statuses: list[str]
    error_message: str | None
    polls: int = 0
    link_version: int = 1

    @property
    def status(self) -> str:
        return self.statuses[min(self.polls, len(self.statuses)) - 1]


@dataclass(frozen=True)
class FakeTake:
    seconds: float
    frequency: float

    @property
    def audio(self) -> bytes:
        return sine_mp3(self.seconds, self.frequency)


@dataclass
class _Plan:
    statuses: tuple[str, ...] = SUCCESS_SEQUENCE
    error_message: str | None = None


@dataclass
class _Fragment:
    word: str
    start: float
    end: float


@dataclass
class _Alignment:
    fragments: list[_Fragment] = field(default_factory=list)
    lines: list[tuple[str, float, float]] = field(default_factory=list)  # every sung line: (text, start, end)


class FakeSuno(LoopbackServer):
    takes = (FakeTake(seconds=1.0, frequency=440.0), FakeTake(seconds=1.5, frequency=660.0))

    def __init__(self, api_key: str = "suno-test-key", credits: int = 1000, credits_per_song: int = 12,
                 rate_limit: int = 20, rate_window: float = 10.0) -> None:
        super().__init__()
        self.api_key = api_key
        self.credits, self.credits_per_song, self._starting_credits = credits, credits_per_song, credits
        self.rate_limit, self.rate_window = rate_limit, rate_window
        self.throttled = 0  # calls refused for going over the rate limit
        self.sung_differently: dict[str, str] = {}  # lyric line -> what the "singer" sang instead
        self.tasks: dict[str, FakeTask] = {}
        self._plan = _Plan()
        self._task_ids = itertools.count(1)
        self._recent: collections.deque[float] = collections.deque()
        self._window_lock = threading.Lock()

    # -- steering from tests ---------------------------------------------------
    def plan(self, *statuses: str, error_message: str | None = None) -> None:
        """Set the status sequence (and failure message) of tasks submitted from now on."""
        self._plan = _Plan(statuses, error_message)

    def reset(self) -> None:
        """Back to a fresh account: no tasks, the starting credits, the default plan, an empty rate window."""
        super().reset()
        self.tasks.clear()
        self.credits, self.throttled = self._starting_credits, 0
        self.sung_differently.clear()
        self._plan = _Plan()
        with self._window_lock:
            self._recent.clear()

    def fail_next(self, code: int, times: int = 1, path: str | None = None) -> None:
        """The next ``times`` API calls (to ``path``, or any) answer the documented ``code``."""
        self.script(*[body(code)] * times, path=path)

    def expire_links(self, task_id: str) -> None:
        """The task's file links stop working (403); record-info hands out new ones."""
        self.tasks[task_id].link_version += 1

    def file_url(self, task_id: str, take_index: int) -> str:
        return f"{self.url}/files/{task_id}-{take_index}-v{self.tasks[task_id].link_version}.mp3"

    def line_schedule(self, task_id: str, take_index: int) -> list[tuple[str, float, float]]:
        """When the fake "sang" each lyric line of the take: (text, start, end)."""
        return self._alignment(task_id, take_index).lines

    # -- routes ------------------------------------------------------------------
    def gate(self, request: RecordedRequest) -> Reply | None:
        """Calls beyond the documented rate (20 per 10 s per account) are refused with 430."""
        if request.path not in API_PATHS:
            return None
        with self._window_lock:
            now = time.monotonic()
            while self._recent and self._recent[0] <= now - self.rate_window:
                self._recent.popleft()
            if len(self._recent) >= self.rate_limit:
                self.throttled += 1
                return body(430)
            self._recent.append(now)
            return None

    def handle(self, request: RecordedRequest) -> Reply:
        if request.path.startswith("/files/"):
            return self._file(request.path)
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return body(401)
        routes = {
            ("POST", GENERATE_PATH): lambda: self._generate(request.json()),
            ("GET", RECORD_INFO_PATH): lambda: self._record_info(request.query_value("taskId")),
            ("POST", TIMESTAMPED_LYRICS_PATH): lambda: self._timestamped_lyrics(request.json()),
            ("GET", CREDIT_PATH): lambda: body(200, self.credits),
        }
        route = routes.get((request.method, request.path))
        return route() if route else body(404)

    def _generate(self, payload: dict[str, Any]) -> Reply:
        problem = self._invalid(payload)
        if problem:
            return body(*problem)
        if self.credits < self.credits_per_song:
            return body(429)
        self.credits -= self.credits_per_song
        task_id = f"task{next(self._task_ids)}"
        self.tasks[task_id] = FakeTask(task_id, payload, list(self._plan.statuses), self._plan.error_message)
        return body(200, {"taskId": task_id})

    @staticmethod
    def _invalid(payload: dict[str, Any]) -> tuple[int, None, str] | None:
        """What Suno refuses, as (code, data, message), or None."""
        if not payload.get("callBackUrl"):
            return 400, None, "Please enter callBackUrl."
        model = payload.get("model")
        if model not in DOCUMENTED_LIMITS:
            return 400, None, f"Invalid model: {model}"
        if not isinstance(payload.get("customMode"), bool) or not isinstance(payload.get("instrumental"), bool):
            return 400, None, "customMode and instrumental are required."
        if "vocalGender" in payload and payload["vocalGender"] not in DOCUMENTED_VOCAL_GENDERS:
            return 400, None, f"vocalGender must be one of {', '.join(DOCUMENTED_VOCAL_GENDERS)}."
        prompt_limit, style_limit, title_limit = DOCUMENTED_LIMITS[model]
        if payload["customMode"]:
            required = ("style", "title") if payload["instrumental"] else ("style", "title", "prompt")
            missing = [name for name in required if not payload.get(name)]
            if missing:
                return 400, None, f"{', '.join(missing)} cannot be empty in custom mode."
        for name, limit in (("prompt", prompt_limit), ("style", style_limit), ("title", title_limit)):
            if len(payload.get(name) or "") > limit:
                return 413, None, f"{name} is longer than {limit} characters for {model}."
        return None

    def _record_info(self, task_id: str | None) -> Reply:
        task = self.tasks.get(task_id or "")
        if task is None:
            return body(400, msg="Task not found")
        task.polls += 1
        failed = task.status not in SUCCESS_SEQUENCE and task.status != "CALLBACK_EXCEPTION"
        return body(200, {
            "taskId": task.task_id,
            "parentMusicId": "",
            "param": "{}",
            "response": {"taskId": task.task_id, "sunoData": self._suno_data(task)},
            "status": task.status,
            "type": "chirp-v4-5",
            "operationType": "generate",
            "errorCode": 501 if failed else None,
            "errorMessage": task.error_message if failed else None,
        })

    def _suno_data(self, task: FakeTask) -> list[dict[str, Any]]:
        """The takes as the API lists them: audio URLs appear take by take as they finish.

        After a CALLBACK_EXCEPTION (Suno could not reach our callback) the music exists: both takes have audio.
        """
        if task.status not in ("TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS", "CALLBACK_EXCEPTION"):
            return []
        ready = {"FIRST_SUCCESS": 1, "SUCCESS": len(self.takes), "CALLBACK_EXCEPTION": len(self.takes)}.get(task.status, 0)
        return [
            {
                "id": f"{task.task_id}-take{index}",
                "audioUrl": self.file_url(task.task_id, index) if index < ready else "",
                "sourceAudioUrl": "",
                "streamAudioUrl": f"{self.url}/stream/{task.task_id}-{index}",
                "imageUrl": f"{self.url}/files/{task.task_id}-{index}.jpeg",
                "prompt": task.request.get("prompt", ""),
                "modelName": "chirp-v4-5",
                "title": task.request.get("title", ""),
                "tags": task.request.get("style", ""),
                "createTime": "2025-01-01 00:00:00",
                "duration": take.seconds if index < ready else None,
            }
            for index, take in enumerate(self.takes)
        ]

    def _timestamped_lyrics(self, payload: dict[str, Any]) -> Reply:
        task = self.tasks.get(payload.get("taskId") or "")
        audio_id = payload.get("audioId") or ""
        if task is None or not audio_id.startswith(f"{task.task_id}-take"):
            return body(400, msg="taskId or audioId not found")
        alignment = self._alignment(task.task_id, int(audio_id.rpartition("take")[2]))
        return body(200, {
            "alignedWords": [{"word": f.word, "success": True, "startS": f.start, "endS": f.end, "palign": 0}
                             for f in alignment.fragments],
            "waveformData": [0, 0.5, 1, 0.5, 0],
            "hootCer": 0.12,
            "isStreamed": False,
        })

    def _alignment(self, task_id: str, take_index: int) -> _Alignment:
        """The take's sung text in fragments, spread evenly over 10%-90% of the take."""
        task, take = self.tasks[task_id], self.takes[take_index]
        lines = (task.request.get("prompt") or "").splitlines()
        pieces: list[tuple[str, int | None]] = []  # (fragment, index of the sung line it belongs to)
        heading, sung = "", []
        for raw in lines:
            if not raw.strip():
                continue
            if _HEADING.match(raw):
                heading += raw.strip() + "\n"
                continue
            words = self.sung_differently.get(raw.strip(), raw.strip()).split()
            sung.append(raw.strip())
            for position, word in enumerate(words):
                text = heading + word + ("\n" if position == len(words) - 1 else " ")
                heading = ""
                # Long words come in two fragments, as Suno splits syllables.
                split = [text[:5], text[5:]] if len(word) > 7 else [text]
                pieces.extend((piece, len(sung) - 1) for piece in split)
        alignment = _Alignment()
        if not pieces:
            return alignment
        start, step = take.seconds * 0.1, take.seconds * 0.8 / len(pieces)
        spans: dict[int, list[float]] = {}
        for index, (piece, line_index) in enumerate(pieces):
            begin, end = round(start + index * step, 4), round(start + (index + 0.8) * step, 4)
            alignment.fragments.append(_Fragment(piece, begin, end))
            spans.setdefault(line_index, [begin, end])[1] = end
        alignment.lines = [(text, *spans[index]) for index, text in enumerate(sung)]
        return alignment

    def _file(self, path: str) -> Reply:
        match = re.fullmatch(r"/files/(?P<task>.+)-(?P<index>\d+)-v(?P<version>\d+)\.mp3", path)
        task = self.tasks.get(match["task"]) if match else None
        if task is None or int(match["index"]) >= len(self.takes):
            return Reply(status=404, body=b"not found")
        if int(match["version"]) != task.link_version:
            return Reply(status=403, body=b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                         headers={"Content-Type": "application/xml"})
        return Reply(body=self.takes[int(match["index"])].audio, headers={"Content-Type": "audio/mpeg"})

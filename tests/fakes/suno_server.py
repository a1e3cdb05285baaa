"""A loopback fake of the third-party Suno HTTP API, serving real MP3 takes.

* ``POST /api/v1/generate`` starts a task and answers its ``taskId``;
* ``GET /api/v1/generate/record-info?taskId=`` walks the task through a
  scripted status sequence, one status per poll, repeating the last one
  (so ``("PENDING",)`` never finishes);
* ``GET /files/<task>-<n>.mp3`` serves the takes (no key needed, like a CDN).

Both API routes demand ``Authorization: Bearer <api_key>`` and answer 401 otherwise.
"""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

import lameenc
import numpy as np

from tests.fakes.loopback import LoopbackServer, RecordedRequest, Reply

GENERATE_PATH = "/api/v1/generate"
RECORD_INFO_PATH = "/api/v1/generate/record-info"
SUCCESS_SEQUENCE = ("PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS")
SAMPLE_RATE = 22_050


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


@dataclass
class FakeTask:
    task_id: str
    request: dict[str, Any]
    statuses: list[str]
    error_message: str | None
    polls: int = 0

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


class FakeSuno(LoopbackServer):
    takes = (FakeTake(seconds=1.0, frequency=440.0), FakeTake(seconds=1.5, frequency=660.0))

    def __init__(self, api_key: str = "suno-test-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.tasks: dict[str, FakeTask] = {}
        self._plan = _Plan()
        self._task_ids = itertools.count(1)

    def plan(self, *statuses: str, error_message: str | None = None) -> None:
        """Set the status sequence (and failure message) of tasks submitted from now on."""
        self._plan = _Plan(statuses, error_message)

    def file_url(self, task_id: str, take_index: int) -> str:
        return f"{self.url}/files/{task_id}-{take_index}.mp3"

    # -- routes ------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        if request.path.startswith("/files/"):
            return self._file(request.path)
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return Reply.json({"code": 401, "msg": "You do not have access permissions", "data": None}, status=401)
        if request.method == "POST" and request.path == GENERATE_PATH:
            return self._generate(request)
        if request.method == "GET" and request.path == RECORD_INFO_PATH:
            return self._record_info(request.query_value("taskId"))
        return super().handle(request)

    def _generate(self, request: RecordedRequest) -> Reply:
        task_id = f"task{next(self._task_ids)}"
        self.tasks[task_id] = FakeTask(task_id, request.json(), list(self._plan.statuses), self._plan.error_message)
        return Reply.json({"code": 200, "msg": "success", "data": {"taskId": task_id}})

    def _record_info(self, task_id: str | None) -> Reply:
        task = self.tasks.get(task_id or "")
        if task is None:
            return Reply.json({"code": 400, "msg": "Task not found", "data": None})
        task.polls += 1
        failed = task.status not in SUCCESS_SEQUENCE
        return Reply.json({
            "code": 200,
            "msg": "success",
            "data": {
                "taskId": task.task_id,
                "parentMusicId": "",
                "param": "{}",
                "response": {"taskId": task.task_id, "sunoData": self._suno_data(task)},
                "status": task.status,
                "type": "chirp-v4-5",
                "operationType": "generate",
                "errorCode": 400 if failed else None,
                "errorMessage": task.error_message if failed else None,
            },
        })

    def _suno_data(self, task: FakeTask) -> list[dict[str, Any]]:
        """The takes as the API lists them: audio URLs appear take by take as they finish."""
        if task.status not in ("TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"):
            return []
        ready = {"FIRST_SUCCESS": 1, "SUCCESS": len(self.takes)}.get(task.status, 0)
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

    def _file(self, path: str) -> Reply:
        name = path.removeprefix("/files/").removesuffix(".mp3")
        task_id, _, index = name.rpartition("-")
        if task_id not in self.tasks or not index.isdigit() or int(index) >= len(self.takes):
            return Reply(status=404, body=b"not found")
        return Reply(body=self.takes[int(index)].audio, headers={"Content-Type": "audio/mpeg"})

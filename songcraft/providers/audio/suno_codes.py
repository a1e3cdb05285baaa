"""Every code sunoapi.org documents, what it means, and what SongCraft does about it: the one table.

Sources (sunoapi.org documentation):
- body codes, the same list on every endpoint (generate, record-info, credit, get-timestamped-lyrics):
  https://docs.sunoapi.org/suno-api/generate-music and https://docs.sunoapi.org/suno-api/get-remaining-credits
- task statuses of record-info: https://docs.sunoapi.org/suno-api/get-music-generation-details
- callback codes (also a failed task's ``errorCode``): https://docs.sunoapi.org/suno-api/generate-music-callbacks

Suno reports errors as ``code`` inside the JSON body, usually with HTTP 200; an HTTP status
other than 200 is read with the same table.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from songcraft.providers.errors import Outcome


@dataclass(frozen=True)
class Code:
    meaning: str
    outcome: Outcome


BODY_CODES: dict[int, Code] = {
    200: Code("Success", Outcome.OK),
    400: Code("Invalid parameters", Outcome.FAIL),
    401: Code("Unauthorized: the API key is missing or wrong", Outcome.REJECTED_KEY),
    404: Code("Wrong request method or path", Outcome.FAIL),
    405: Code("Rate limit exceeded", Outcome.RETRY),
    413: Code("Theme or prompt too long", Outcome.FAIL),
    429: Code("Insufficient credits", Outcome.OUT_OF_CREDITS),
    430: Code("Call frequency too high", Outcome.RETRY),
    455: Code("System maintenance", Outcome.RETRY),
    500: Code("Server error", Outcome.RETRY),
}


def body_code(code: int) -> Code:
    """The documented entry; undocumented 5xx are server errors (retry), anything else a failure."""
    if code in BODY_CODES:
        return BODY_CODES[code]
    return Code("Server error", Outcome.RETRY) if code >= 500 else Code(f"Undocumented code {code}", Outcome.FAIL)


class TaskState(Enum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    AUDIO_IF_PRESENT = "done when the takes have audio URLs, else still running (the poll deadline bounds it)"


@dataclass(frozen=True)
class Status:
    meaning: str
    state: TaskState
    progress: int = 0  # 0-100 within the composition, for the song's progress bar


TASK_STATUSES: dict[str, Status] = {
    "PENDING": Status("Waiting to be processed", TaskState.RUNNING, 10),
    "TEXT_SUCCESS": Status("Lyrics/text generated", TaskState.RUNNING, 40),
    "FIRST_SUCCESS": Status("First track generated", TaskState.RUNNING, 70),
    "SUCCESS": Status("All tracks generated", TaskState.DONE, 100),
    "CREATE_TASK_FAILED": Status("Failed to create the generation task", TaskState.FAILED),
    "GENERATE_AUDIO_FAILED": Status("Failed to generate the tracks", TaskState.FAILED),
    # Suno could not deliver our callback; the music may well exist, so its audio URLs are used when present.
    "CALLBACK_EXCEPTION": Status("Error while delivering the callback", TaskState.AUDIO_IF_PRESENT),
    "SENSITIVE_WORD_ERROR": Status("The lyrics or style contain prohibited words", TaskState.FAILED),
}

# A failed task's `errorCode` (record-info) or a callback's `code`: why the music was not made.
CALLBACK_CODES: dict[int, str] = {
    200: "Success",
    400: "The lyrics contain copyrighted material",
    408: "Generation timed out",
    413: "The audio matches an existing work",
    500: "Unexpected server error",
    501: "Audio generation failed",
    531: "Generation failed; the credits were refunded",
}


def task_status(status: str | None) -> Status:
    """The documented status; an unknown one is treated as still running (the poll deadline bounds it)."""
    return TASK_STATUSES.get(status or "", Status(f"Undocumented status {status!r}", TaskState.RUNNING))

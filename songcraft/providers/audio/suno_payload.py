"""Suno's models, the documented length limits of each, and the ``/api/v1/generate`` body cut to fit.

Suno refuses an over-long field (413) or an unknown model (400) only once the request is sent, so
everything is fitted here first: a song never fails after it was paid for because of a title.
Source: https://docs.sunoapi.org/suno-api/generate-music ("Parameter Usage Guide", and "Optional
parameters" for ``vocalGender``). The model
names are also listed in config.py (SUNO_MODELS), which refuses any other at start-up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from songcraft.common.text import truncate
from songcraft.providers.audio.base import AudioRequest
from songcraft.providers.lyrics.base import Lyrics


@dataclass(frozen=True)
class FieldLimits:
    prompt: int  # the lyrics, in custom mode
    style: int
    title: int


MODEL_LIMITS: dict[str, FieldLimits] = {
    "V4": FieldLimits(prompt=3000, style=200, title=80),
    "V4_5": FieldLimits(prompt=5000, style=1000, title=100),
    "V4_5PLUS": FieldLimits(prompt=5000, style=1000, title=100),
    "V4_5ALL": FieldLimits(prompt=5000, style=1000, title=80),
    "V5": FieldLimits(prompt=5000, style=1000, title=100),
    "V5_5": FieldLimits(prompt=5000, style=1000, title=100),
}


def field_limits(model: str) -> FieldLimits:
    try:
        return MODEL_LIMITS[model]
    except KeyError:
        raise ValueError(f"unknown Suno model {model!r}; known: {', '.join(MODEL_LIMITS)}") from None


# The voice: Suno's documented ``vocalGender`` ("m" or "f", custom mode only) for one singer; a duet
# has no parameter, so it is asked for in the style text.
VOCAL_GENDERS = {"female": "f", "male": "m"}
DUET_STYLE = "duet, male and female vocals"


def generate_payload(request: AudioRequest, model: str, callback_url: str) -> dict[str, Any]:
    """The ``/generate`` body in custom mode, every field cut to the model's limits.

    ``callBackUrl`` is required by Suno even when we poll: the callback only speeds things up.
    The lyrics go as written, in whatever language they are.
    """
    limits = field_limits(model)
    instrumental = request.instrumental or request.lyrics is None
    duet = not instrumental and request.vocal_style == "duet"
    payload: dict[str, Any] = {
        "customMode": True,
        "instrumental": instrumental,
        "model": model,
        "style": truncate(", ".join(filter(None, (DUET_STYLE if duet else "", request.genre, request.mood))), limits.style, ","),
        "title": truncate(request.title, limits.title, " "),
        "callBackUrl": request.callback_url or callback_url,
    }
    if not instrumental:
        payload["prompt"] = lyrics_prompt(request.lyrics, limits.prompt)
        if request.vocal_style in VOCAL_GENDERS:
            payload["vocalGender"] = VOCAL_GENDERS[request.vocal_style]
    return payload


def lyrics_prompt(lyrics: Lyrics | None, limit: int) -> str:
    """Lyrics text within ``limit`` characters, cut after a whole line and never ending on a bare heading."""
    text = truncate(lyrics.as_text() if lyrics else "", limit, "\n")
    lines = text.splitlines()
    while lines and (not lines[-1].strip() or lines[-1].startswith("[")):
        lines.pop()
    return "\n".join(lines)


"""LRC, the plain-text format of lyrics in time that players and karaoke apps read:

    [ti:Happy Birthday, Maya]
    [ar:SongCraft]
    [length:02:31]
    [00:12.40]You light the room on a Tuesday
"""
from __future__ import annotations

from typing import Sequence

from songcraft.finishing.timings import TimedLine


def stamp(seconds: float) -> str:
    """A time as `mm:ss.xx` (hundredths), as LRC writes it."""
    hundredths = max(0, round(seconds * 100))
    minutes, rest = divmod(hundredths, 6000)
    return f"{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"


def _tag_value(text: str) -> str:
    """Tag values end at ']' and lines end at a newline: neither may appear inside."""
    return " ".join(text.split()).replace("]", ")").replace("[", "(")


def to_lrc(lines: Sequence[TimedLine], *, title: str, artist: str, duration: float, estimated: bool) -> str:
    header = [f"[ti:{_tag_value(title)}]", f"[ar:{_tag_value(artist)}]", f"[length:{stamp(duration)[:5]}]",
              "[re:SongCraft, timings estimated]" if estimated else "[re:SongCraft]"]
    body = [f"[{stamp(line.start)}]{' '.join(line.text.split())}" for line in lines]
    return "\n".join(header + body) + "\n"

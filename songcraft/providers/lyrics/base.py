"""The lyrics provider interface and the value objects it speaks."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class SongBrief:
    """What the customer told us about the song."""

    recipient_name: str
    occasion: str
    genre: str
    mood: str
    story: str
    title: str | None = None
    language: str = "en"
    seed: int = 0  # changes on every rewrite so a rewrite gives new lyrics
    name_pronunciation: str = ""  # e.g. "ow-REL-ya": syllables by hyphens, the stressed one in capitals
    vocal_style: str | None = None  # "female" | "male" | "duet"; None: the genre's default


@dataclass(frozen=True)
class LyricsSection:
    kind: str  # "intro" | "verse" | "pre-chorus" | "chorus" | "bridge" | "outro"
    lines: tuple[str, ...]
    label: str = ""  # e.g. "Verse 1"; defaults to the capitalised kind

    @property
    def heading(self) -> str:
        return self.label or self.kind.title()


_HEADING = re.compile(r"^\s*\[(?P<label>[^\]]+)\]\s*$")


@dataclass(frozen=True)
class Lyrics:
    title: str
    sections: tuple[LyricsSection, ...] = field(default_factory=tuple)

    def as_text(self) -> str:
        """Render as the plain text customers see and edit: ``[Verse 1]`` headings, one line per line."""
        blocks = [f"[{s.heading}]\n" + "\n".join(s.lines) for s in self.sections]
        return "\n\n".join(blocks)

    @classmethod
    def from_text(cls, title: str, text: str) -> "Lyrics":
        """Parse text written by a customer (headings optional) back into sections."""
        sections: list[LyricsSection] = []
        label, lines = "Verse", []

        def flush() -> None:
            if lines:
                kind = re.sub(r"\s*\d+$", "", label).strip().lower() or "verse"
                sections.append(LyricsSection(kind=kind, lines=tuple(lines), label=label))

        for raw in text.splitlines():
            match = _HEADING.match(raw)
            if match:
                flush()
                label, lines = match.group("label").strip(), []
            elif raw.strip():
                lines.append(raw.strip())
        flush()
        return cls(title=title, sections=tuple(sections))

    @property
    def lines(self) -> list[str]:
        return [line for section in self.sections for line in section.lines]


class LyricsProvider(Protocol):
    name: str
    languages: tuple[str, ...]  # ISO codes it writes in; songs in others need the customer's own lyrics

    def write(self, brief: SongBrief) -> Lyrics:
        """Write lyrics for the brief. Raises ProviderError / TransientProviderError."""
        ...

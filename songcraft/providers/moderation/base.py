"""The moderation provider interface: is a customer's text fit to be sung?"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence


@dataclass(frozen=True)
class Verdict:
    """One text's verdict: refused or not, and why (category names, e.g. "hate", "sexual")."""

    flagged: bool
    categories: tuple[str, ...] = ()


class ModerationProvider(Protocol):
    name: str

    def check(self, texts: Sequence[str]) -> list[Verdict]:
        """One verdict per text, in order. Raises ProviderError / TransientProviderError when the
        service cannot judge (the caller falls back to the word list)."""
        ...

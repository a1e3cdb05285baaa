"""The result of checking a configured provider against its live API (`flask check-providers`, admin health)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderCheck:
    """One thing verified at a provider: `subject` names it ("variant 111 (audio)"), `detail` says what was found."""

    subject: str
    ok: bool
    detail: str

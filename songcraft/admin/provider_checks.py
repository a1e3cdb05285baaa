"""Live checks of the configured providers, for `flask check-providers` (a table) and the admin health report.

PROVIDER_CHECKS maps a family to a function that asks its configured provider's API and returns
the provider's name and what it found. Adding a family (say the audio provider's credits) is one
function and one entry: the command prints its rows and the health report gains a check of the
same name. A row that is not ok fails both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import current_app

from songcraft.orders import catalogue
from songcraft.providers.errors import ProviderError
from songcraft.providers.payments.base import CatalogueEntry
from songcraft.providers.status import ProviderCheck

AI_CHECK_TIMEOUT = 2.5  # seconds per AI provider call, inside the health report's 3 s per check


def payment_checks() -> tuple[str, list[ProviderCheck]]:
    """The variant / price id of each product exists at the provider and charges the catalogue price."""
    provider = current_app.extensions["payment_provider"]
    entries = [CatalogueEntry(product.id, catalogue.variant_id(provider.name, product.id), product.amount_cents, product.currency)
               for product in catalogue.all_products()]
    return provider.name, provider.check_catalogue(entries)


def audio_checks() -> tuple[str, list[ProviderCheck]]:
    """Suno answers with our key and has at least SUNO_CREDITS_WARN credits left."""
    provider = current_app.extensions["audio_provider"]
    if provider.name != "suno":
        return provider.name, [ProviderCheck("offline synthesizer", True, "built in: no account to check")]
    try:
        credits = provider.remaining_credits(timeout=AI_CHECK_TIMEOUT)
    except ProviderError as error:
        return provider.name, [ProviderCheck("credits", False, _for_operators(error))]
    warn_below = current_app.config["SUNO_CREDITS_WARN"]
    if credits < warn_below:
        detail = f"{credits} credits left, below SUNO_CREDITS_WARN ({warn_below}): top up at sunoapi.org"
        return provider.name, [ProviderCheck("credits", False, detail)]
    return provider.name, [ProviderCheck("credits", True, f"{credits} credits left (model {provider.model})")]


def lyrics_checks() -> tuple[str, list[ProviderCheck]]:
    """OpenAI answers with our key and the configured model is available to it (no tokens spent)."""
    provider = current_app.extensions["lyrics_provider"]
    if provider.name != "openai":
        return provider.name, [ProviderCheck("offline composer", True, "built in: no account to check")]
    try:
        return provider.name, [ProviderCheck("key and model", True, provider.check_access())]
    except ProviderError as error:
        return provider.name, [ProviderCheck("key and model", False, _for_operators(error))]


def _for_operators(error: ProviderError) -> str:
    """The alert's words ("Suno refused SUNO_API_KEY…") where there is one: str(error) is written for customers."""
    return error.alert.message if error.alert else str(error)


PROVIDER_CHECKS: dict[str, Callable[[], tuple[str, list[ProviderCheck]]]] = {
    "payments": payment_checks,
    "audio": audio_checks,
    "lyrics": lyrics_checks,
}


@dataclass(frozen=True)
class Row:
    family: str
    provider: str
    check: ProviderCheck


def run(family: str) -> list[Row]:
    """One family's rows; a check that crashes is a failed row, not a crash of the report."""
    try:
        provider, checks = PROVIDER_CHECKS[family]()
    except Exception as error:  # report, never raise: this exists to say what is broken
        return [Row(family, "?", ProviderCheck("check", False, f"{type(error).__name__}: {str(error)[:300]}"))]
    return [Row(family, provider, check) for check in checks]


def run_all() -> list[Row]:
    return [row for family in PROVIDER_CHECKS for row in run(family)]


def table(rows: list[Row]) -> str:
    """The rows as a plain-text table with aligned columns."""
    lines = [("Family", "Provider", "Checked", "Result", "Detail")]
    lines += [(r.family, r.provider, r.check.subject, "ok" if r.check.ok else "FAILED", r.check.detail) for r in rows]
    widths = [max(len(line[column]) for line in lines) for column in range(4)]
    return "\n".join("  ".join([*(cell.ljust(width) for cell, width in zip(line, widths)), line[4]]).rstrip() for line in lines)


def health_check(family: str) -> Callable[[], str]:
    """The family as an admin health check: the findings as its detail, raising when one failed."""
    def check() -> str:
        rows = run(family)
        summary = f"{rows[0].provider}: " + "; ".join(f"{row.check.subject}: {row.check.detail}" for row in rows)
        if not all(row.check.ok for row in rows):
            raise RuntimeError(summary)
        return summary

    return check


HEALTH_CHECKS = {family: health_check(family) for family in PROVIDER_CHECKS}

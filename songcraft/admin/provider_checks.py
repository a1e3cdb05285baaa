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
from songcraft.providers.payments.base import CatalogueEntry
from songcraft.providers.status import ProviderCheck


def payment_checks() -> tuple[str, list[ProviderCheck]]:
    """The variant / price id of each product exists at the provider and charges the catalogue price."""
    provider = current_app.extensions["payment_provider"]
    entries = [CatalogueEntry(product.id, catalogue.variant_id(provider.name, product.id), product.amount_cents, product.currency)
               for product in catalogue.all_products()]
    return provider.name, provider.check_catalogue(entries)


PROVIDER_CHECKS: dict[str, Callable[[], tuple[str, list[ProviderCheck]]]] = {
    "payments": payment_checks,
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

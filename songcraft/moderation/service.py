"""Check a customer's texts and refuse, calmly, what cannot be sung; count refusals for the admins.

The configured provider judges (OpenAI's moderation endpoint with an OpenAI key, else the word
list). When the OpenAI call fails (network, timeout, 5xx, 429, a refused key), the request is not
refused for our outage and not let through unchecked either: the word list judges it instead, a
warning is logged, and an empty account or a refused key also raises an operator alert.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Mapping

import sqlalchemy as sa
from flask import current_app

from songcraft.alerts.service import raise_alert
from songcraft.common.db import utcnow
from songcraft.errors import Unprocessable
from songcraft.extensions import db
from songcraft.moderation.models import ModerationRefusal
from songcraft.providers.errors import ProviderError
from songcraft.providers.moderation.base import Verdict
from songcraft.providers.moderation.wordlist import WordListModerator

log = logging.getLogger(__name__)

# How each field is named to the customer.
LABELS = {
    "recipient_name": "recipient's name", "occasion": "occasion", "story": "story", "title": "title",
    "custom_lyrics": "lyrics", "lyrics": "lyrics", "name_pronunciation": "name pronunciation", "message": "gift message",
}
FIELD_MESSAGE = ("We can't put this {label} into a song. Please reword it, leaving out anything hateful, "
                 "sexual, violent or insulting.")
MESSAGE = "Some of what you wrote can't go into a song: please reword the {labels}."


def check_texts(texts: Mapping[str, str | None]) -> None:
    """Raise a 422 naming every refused field; record the refusal (field and category, never the text).

    Call it before anything is stored. It ends the request's read transaction first: no
    transaction stays open while the provider is called.
    """
    named = {field: text for field, text in texts.items() if text and text.strip()}
    if not named:
        return
    db.session.commit()
    provider, verdicts = _judge(list(named.values()))
    refused = {field: verdict for field, verdict in zip(named, verdicts) if verdict.flagged}
    if not refused:
        return
    attempt = uuid.uuid4()
    for field, verdict in refused.items():
        for category in verdict.categories or ("unspecified",):
            db.session.add(ModerationRefusal(attempt_id=attempt, field=field, category=category, provider=provider))
    db.session.commit()
    log.info("text refused", extra={"fields": sorted(refused), "provider": provider,
                                    "categories": sorted({c for v in refused.values() for c in v.categories})})
    labels = " and ".join(LABELS.get(field, field) for field in refused)
    raise Unprocessable(MESSAGE.format(labels=labels),
                        {"json": {field: [FIELD_MESSAGE.format(label=LABELS.get(field, field))] for field in refused}})


def _judge(texts: list[str]) -> tuple[str, list[Verdict]]:
    provider = current_app.extensions["moderation"]
    try:
        return provider.name, provider.check(texts)
    except ProviderError as error:
        log.warning("moderation provider failed: the word list judges instead", extra={"provider": provider.name, "error": str(error)})
        if error.alert:
            alert = error.alert
            raise_alert(alert.kind, alert.cause, alert.message, alert.details)
            db.session.commit()
    fallback = WordListModerator()
    return fallback.name, fallback.check(texts)


def refusal_stats() -> dict:
    """Refused attempts in total and in the last 24 hours, refusals per category and attempts per field: one query."""
    refusal, attempts = ModerationRefusal, sa.func.count(sa.distinct(ModerationRefusal.attempt_id))
    parts = sa.union_all(
        sa.select(sa.literal("total").label("kind"), sa.literal("").label("name"), attempts.label("count")),
        sa.select(sa.literal("last_24h"), sa.literal(""), attempts).where(refusal.created_at >= utcnow() - timedelta(hours=24)),
        sa.select(sa.literal("category"), refusal.category, sa.func.count()).group_by(refusal.category),
        sa.select(sa.literal("field"), refusal.field, attempts).group_by(refusal.field),
    )
    stats = {"refused_attempts": 0, "refused_last_24h": 0, "by_category": {}, "by_field": {}}
    for kind, name, count in db.session.execute(sa.select(parts.subquery())):
        if kind in ("total", "last_24h"):
            stats["refused_attempts" if kind == "total" else "refused_last_24h"] = count
        else:
            stats[f"by_{kind}"][name] = count
    stats["by_category"], stats["by_field"] = dict(sorted(stats["by_category"].items())), dict(sorted(stats["by_field"].items()))
    return stats

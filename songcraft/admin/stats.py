"""Dashboard statistics from a fixed handful of aggregate queries, whatever the amount of data.

Revenue per currency: `gross` sums what every accepted payment charged (orders now paid,
fulfilled, refunded or disputed: the price less the discount the provider reported), `refunded`
and `disputed` the ones refunded or disputed since, and `net = gross - refunded - disputed`.
Orders held for review count only once an admin accepts them. Discounts are summed per currency
and per code. Pipeline durations are `completed_at - started_at` of completed songs.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from kombu.exceptions import ChannelError

from songcraft.auth.models import User
from songcraft.celery_app import QUEUES
from songcraft.common.db import utcnow
from songcraft.extensions import db
from songcraft.moderation.service import refusal_stats
from songcraft.orders.models import STATUSES as ORDER_STATUSES
from songcraft.orders.models import Order
from songcraft.privacy.erasure import TOMBSTONE_DOMAIN
from songcraft.songs.models import STATUSES as SONG_STATUSES
from songcraft.songs.models import Song

PAID_STATUSES = ("paid", "fulfilled", "refunded", "disputed")
PERCENTILE = 0.95


def dashboard_stats() -> dict:
    now = utcnow()
    return {
        "generated_at": now,
        "users": _users(now),
        "orders": {"by_status": _count_by_status(Order, ORDER_STATUSES)},
        "revenue": _revenue(),
        "discounts": _discounts(),
        "songs": {"by_status": _count_by_status(Song, SONG_STATUSES), "failed_last_24h": _failed_since(now - timedelta(hours=24))},
        "pipeline": _pipeline_durations(),
        "queues": queue_depths(),
        "content_safety": refusal_stats(),
    }


def _users(now: datetime) -> dict:
    row = db.session.execute(
        sa.select(
            sa.func.count().label("total"),
            sa.func.count().filter(User.is_verified.is_(True)).label("verified"),
            sa.func.count().filter(User.is_active.is_(True)).label("active"),
            sa.func.count().filter(User.created_at >= now - timedelta(days=7)).label("new_last_7_days"),
            sa.func.count().filter(User.created_at >= now - timedelta(days=30)).label("new_last_30_days"),
        ).where(User.email.not_like(f"%@{TOMBSTONE_DOMAIN}"))  # the stand-ins of erased accounts are nobody
    ).one()
    return row._asdict()


def _count_by_status(model, statuses: tuple[str, ...]) -> dict[str, int]:
    """Every status, zeros included, so the dashboard's shape never depends on the data."""
    counts = dict(db.session.execute(sa.select(model.status, sa.func.count()).group_by(model.status)).all())
    return {status: counts.get(status, 0) for status in statuses}


def _revenue() -> dict[str, dict]:
    charged = Order.amount_cents - Order.discount_cents
    gross = sa.func.sum(charged)
    refunded = sa.func.coalesce(sa.func.sum(charged).filter(Order.status == "refunded"), 0)
    disputed = sa.func.coalesce(sa.func.sum(charged).filter(Order.status == "disputed"), 0)
    rows = db.session.execute(
        sa.select(Order.currency, sa.func.count().label("orders"), gross.label("gross_cents"),
                  sa.func.sum(Order.discount_cents).label("discount_cents"), refunded.label("refunded_cents"),
                  disputed.label("disputed_cents"), (gross - refunded - disputed).label("net_cents"))
        .where(Order.status.in_(PAID_STATUSES))
        .group_by(Order.currency)
        .order_by(Order.currency)
    ).all()
    return {row.currency: {key: int(value) for key, value in row._asdict().items() if key != "currency"} for row in rows}


def _discounts() -> list[dict]:
    """Each discount code used on an accepted payment: how many orders, how much was given."""
    given = sa.func.sum(Order.discount_cents)
    rows = db.session.execute(
        sa.select(Order.discount_code.label("code"), Order.currency, sa.func.count().label("orders"), given.label("discount_cents"))
        .where(Order.status.in_(PAID_STATUSES), Order.discount_code.is_not(None))
        .group_by(Order.discount_code, Order.currency)
        .order_by(given.desc(), Order.discount_code, Order.currency)
    ).all()
    return [{**row._asdict(), "discount_cents": int(row.discount_cents)} for row in rows]


def _failed_since(since: datetime) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Song.status == "failed", Song.updated_at >= since))


def _pipeline_durations() -> dict:
    completed = (Song.status == "completed", Song.started_at.is_not(None), Song.completed_at.is_not(None))
    if db.session.get_bind().dialect.name == "postgresql":
        seconds = sa.extract("epoch", Song.completed_at - Song.started_at)
        query = sa.select(sa.func.count(), sa.func.avg(seconds),
                          sa.func.percentile_cont(PERCENTILE).within_group(seconds)).where(*completed)
    else:
        query = _sqlite_durations_query(completed)
    count, average, p95 = db.session.execute(query).one()
    return {"completed_songs": count, "average_seconds": _rounded(average), "p95_seconds": _rounded(p95)}


def _sqlite_durations_query(completed: tuple) -> sa.Select:
    """Average and percentile_cont(0.95) for SQLite, which lacks the latter, in one query.

    Like PostgreSQL, interpolates between the two ranked durations around position
    0.95 * (n - 1): ranks come from window functions, the interpolation from aggregates.
    """
    seconds = (sa.func.julianday(Song.completed_at) - sa.func.julianday(Song.started_at)) * 86400.0
    ranked = sa.select(
        seconds.label("seconds"),
        (sa.func.row_number().over(order_by=seconds) - 1).label("rank"),
        (PERCENTILE * (sa.func.count().over() - 1)).label("position"),
    ).where(*completed).subquery()
    below = sa.cast(ranked.c.position, sa.Integer)  # truncation is floor here: positions are never negative
    lower = sa.func.max(sa.case((ranked.c.rank == below, ranked.c.seconds)))
    upper = sa.func.coalesce(sa.func.max(sa.case((ranked.c.rank == below + 1, ranked.c.seconds))), lower)
    fraction = sa.func.max(ranked.c.position - below)
    return sa.select(sa.func.count(), sa.func.avg(ranked.c.seconds), lower + fraction * (upper - lower))


def _rounded(seconds) -> float | None:
    return None if seconds is None else round(float(seconds), 3)


def queue_depths(names: tuple[str, ...] = QUEUES) -> dict:
    """Messages waiting per Celery queue, read from the broker (Redis lists or the embedded broker's table)."""
    try:
        with current_app.extensions["celery"].connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            return {"depths": {name: queue_depth(connection.default_channel, name) for name in names}, "detail": None}
    except Exception as error:  # the dashboard still shows the database figures when the broker is down
        return {"depths": {name: None for name in names}, "detail": f"broker unreachable: {type(error).__name__}: {str(error)[:200]}"}


def queue_depth(channel, name: str) -> int:
    """One queue's waiting messages, through the broker's own protocol (works on every kombu transport)."""
    try:
        return channel.queue_declare(queue=name, passive=True).message_count
    except ChannelError:  # Redis keeps no key for an empty queue: passive declaration reports it missing
        return 0

"""The lease a running step holds on its song, kept alive by a heartbeat.

A step is claimed by one execution (`Song.claim_step`) for `SONG_LEASE_SECONDS`. While it works,
a background thread renews the lease every tenth of that (at most 6 s apart), each time in a
short transaction of its own on its own connection, and writes the step's progress along the way. The step itself holds no
database connection while it calls a provider or ffmpeg.

If the execution dies (SIGKILL, a lost machine), the beats stop, the lease lapses, and the
recovery sweep sends the step again; a live lease makes every other copy of the step stand back.
An execution whose lease lapsed and was taken over learns it at its next beat: its progress
reports then raise `LeaseLost`, and its results are dropped rather than stored.
"""
from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Engine

from songcraft.common.db import utcnow
from songcraft.songs.models import Song

log = logging.getLogger(__name__)

BEATS_PER_LEASE = 10  # a lease survives nine lost beats
MAX_BEAT_SECONDS = 6.0  # however long the lease, the bar gets a chance to move this often
MIN_WRITE_GAP = 1.0  # seconds: fast progress reports are written at most once a second
MAX_REQUEUE_DOUBLINGS = 5  # a step waiting in a long queue is re-sent after 1, 2, 4, 8, 16, 32 × SONG_REQUEUE_MINUTES
CREEP_LIMIT = 0.9  # between reports the bar creeps at most this share of the rest of the step


class LeaseLost(Exception):
    """This execution no longer holds its step: the lease lapsed and was taken over, or the song was
    stopped (failed, refunded, deleted). It must stop and store nothing."""


@dataclass(frozen=True)
class LeaseTerms:
    """The timing of leases, from SONG_LEASE_SECONDS and SONG_REQUEUE_MINUTES."""

    lease: timedelta
    requeue_after: timedelta

    @classmethod
    def current(cls) -> LeaseTerms:
        config = current_app.config
        return cls(timedelta(seconds=config["SONG_LEASE_SECONDS"]), timedelta(minutes=config["SONG_REQUEUE_MINUTES"]))

    @property
    def beat_seconds(self) -> float:
        return min(self.lease.total_seconds() / BEATS_PER_LEASE, MAX_BEAT_SECONDS)

    def claim_by(self, now: datetime, requeues: int = 0) -> datetime:
        """When a step sent now should have been claimed; each re-send of it waits twice as long, so a
        step legitimately waiting behind a long queue collects only a few harmless duplicates."""
        return now + self.requeue_after * 2 ** min(requeues, MAX_REQUEUE_DOUBLINGS)


def new_holder() -> str:
    """A name for one execution of a step (a redelivered Celery task keeps its task id, so that will not do)."""
    return uuid.uuid4().hex


def shown_fraction(reported: float, seconds_since_report: float, expected_seconds: float) -> float:
    """The share of the step to show: what the work last reported, crept towards the end while it
    reports nothing, so the bar keeps moving through the step's usual length without reaching the end."""
    creep = CREEP_LIMIT * (1 - math.exp(-seconds_since_report / expected_seconds))
    return reported + (1 - reported) * creep


class Lease:
    """An execution's hold on a song's step, renewed by a heartbeat thread while inside `with`.

    The step's work reports progress through `report(percent)` (0-100 within the step), saves what
    must survive a crash with `save(...)`, and may set `on_callback`, which the heartbeat calls when
    the audio provider has called back about the song's job since the step began.
    """

    def __init__(self, engine: Engine, song_id: str, holder: str, terms: LeaseTerms,
                 progress_range: tuple[int, int], expected_seconds: float):
        self.song_id, self.holder = uuid.UUID(song_id), holder
        self.on_callback: Callable[[], None] | None = None
        self._engine, self._terms = engine, terms
        self._range, self._expected = progress_range, expected_seconds
        self._reported = (0.0, time.monotonic())  # (share of the step, when), replaced whole by report()
        self._callbacks_seen_since = utcnow()
        self._lost, self._stop, self._news = threading.Event(), threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._beat_until_stopped, name=f"heartbeat-{song_id}", daemon=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._news.set()
        self._thread.join()

    def report(self, percent: int) -> None:
        """The work's progress within the step; raises LeaseLost once the step is no longer ours."""
        self.check()
        self._reported = (max(0, min(percent, 100)) / 100, time.monotonic())
        self._news.set()

    def check(self) -> None:
        if self._lost.is_set():
            raise LeaseLost(f"song {self.song_id}: the lease of {self.holder} was lost")

    def save(self, **columns) -> None:
        """Write `columns` of the song now, in a short transaction, only while the lease is ours."""
        with self._engine.begin() as connection:
            saved = connection.execute(self._ours().values(**columns)).rowcount
        if not saved:
            self._lost.set()
            self.check()

    # -- the heartbeat thread ---------------------------------------------------------------
    def _ours(self) -> sa.Update:
        return sa.update(Song).where(Song.id == self.song_id, Song.lease_holder == self.holder)

    def _beat_until_stopped(self) -> None:
        while not self._stop.is_set():
            self._news.wait(self._terms.beat_seconds)
            if self._stop.is_set():
                return
            self._news.clear()
            self._beat()
            if self._lost.is_set():
                return
            self._stop.wait(MIN_WRITE_GAP)

    def _beat(self) -> None:
        now = utcnow()
        reported, at = self._reported
        low, high = self._range
        value = low + int((high - low) * shown_fraction(reported, time.monotonic() - at, self._expected))
        statement = self._ours().values(
            lease_expires_at=now + self._terms.lease,
            progress=sa.case((Song.progress < value, value), else_=Song.progress),
            updated_at=sa.case((Song.progress < value, now), else_=Song.updated_at),
        ).returning(Song.audio_callback_at)
        try:
            with self._engine.begin() as connection:
                row = connection.execute(statement).first()
        except Exception:  # the database is away for a moment: beat again later; the lease has room for it
            log.warning("heartbeat failed", exc_info=True, extra={"song_id": str(self.song_id)})
            return
        if row is None:
            log.warning("lease lost", extra={"song_id": str(self.song_id), "holder": self.holder})
            self._lost.set()
            return
        called_back_at = row.audio_callback_at
        if called_back_at and called_back_at > self._callbacks_seen_since and self.on_callback:
            self._callbacks_seen_since = called_back_at
            self.on_callback()

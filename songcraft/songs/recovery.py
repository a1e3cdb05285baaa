"""The recovery sweep (beat, every 30 s): songs whose lease has lapsed are sent again.

It looks only at the database, so it works whatever broker carries the messages:

- a running step whose heartbeat stopped for SONG_LEASE_SECONDS (its worker died) is resumed,
  and taken over by the new execution; after MAX_RECOVERIES such deaths in one run the song is
  failed and an admin alerted, so a step that kills its worker cannot loop forever;
- a step that no worker claimed within SONG_REQUEUE_MINUTES (a message lost with a dead worker
  or a broker outage, or only a long queue) is sent again, each time waiting twice as long. A
  duplicate is harmless: the first copy claims the step, the others find it held or done.

A song at the lyrics approval gate (songs/approval.py) has no lease deadline, so the sweep never
sees it: it waits for its customer, not for a worker.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa

from songcraft.common.db import utcnow
from songcraft.extensions import db
from songcraft.songs import pipeline
from songcraft.songs.lease import LeaseTerms
from songcraft.songs.models import Song
from songcraft.songs.runner import fail_step

log = logging.getLogger(__name__)

MAX_RECOVERIES = 3


def recover_songs() -> dict[str, int]:
    now, terms = utcnow(), LeaseTerms.current()
    overdue = db.session.scalars(
        sa.select(Song).where(Song.lease_expires_at < now).with_for_update(skip_locked=True)
    ).all()
    counts, give_up = {"resumed": 0, "requeued": 0, "failed": 0}, []
    for song in overdue:
        if not song.is_busy:  # failed or done meanwhile: nothing to watch
            song.lease_holder = song.lease_expires_at = None
            continue
        if song.lease_holder is not None:  # the holder stopped beating: it died with its worker
            if song.recoveries >= MAX_RECOVERIES:
                give_up.append((str(song.id), song.plan[0]))
                continue
            song.recoveries += 1
            song.wait_for_claim(terms.claim_by(now))
            counts["resumed"] += 1
        else:
            song.requeues += 1
            song.wait_for_claim(terms.claim_by(now, song.requeues))
            counts["requeued"] += 1
        log.warning("song sent again", extra={"song_id": str(song.id), "step": song.plan[0],
                                              "recoveries": song.recoveries, "requeues": song.requeues})
        pipeline.dispatch(song)
    db.session.commit()
    for song_id, step in give_up:
        fail_step(song_id, step, None, "The song stalled repeatedly; our team has been notified.")
    counts["failed"] = len(give_up)
    return counts

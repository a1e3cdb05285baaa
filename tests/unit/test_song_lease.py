"""The lease rules of a song's steps, as plain objects (no app, no database)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from songcraft.orders.models import Order
from songcraft.songs.lease import CREEP_LIMIT, LeaseTerms, shown_fraction
from songcraft.songs.models import Song

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
LEASE = timedelta(seconds=60)


def song(plan=("compose_audio", "deliver"), status="lyrics_ready") -> Song:
    return Song(order=Order(status="paid"), plan=list(plan), status=status, recoveries=0, requeues=0, progress=0)


def test_a_live_lease_makes_every_other_execution_stand_back():
    s = song()
    assert s.claim_step("compose_audio", "first", NOW, LEASE) is True
    assert (s.lease_holder, s.lease_expires_at, s.status) == ("first", NOW + LEASE, "generating_audio")
    assert s.claim_step("compose_audio", "redelivered-copy", NOW + timedelta(seconds=59), LEASE) is False
    assert s.holds("compose_audio", "first") and not s.holds("compose_audio", "redelivered-copy")


def test_a_lapsed_lease_is_taken_over_and_counted_as_a_recovery():
    s = song()
    s.claim_step("compose_audio", "dead", NOW, LEASE)
    assert s.claim_step("compose_audio", "resumed", NOW + LEASE + timedelta(seconds=1), LEASE) is True
    assert s.lease_holder == "resumed" and s.recoveries == 1
    assert not s.holds("compose_audio", "dead")  # the old holder, should it wake up, stores nothing


def test_only_the_next_step_of_a_live_song_can_be_claimed():
    s = song()
    assert s.claim_step("deliver", "early", NOW, LEASE) is False  # not due yet: a stale chain's message
    s.fail("boom")
    assert s.claim_step("compose_audio", "after-failure", NOW, LEASE) is False  # failed songs wait for a retry
    assert (s.lease_holder, s.lease_expires_at) == (None, None)


def test_finishing_a_step_leaves_the_next_waiting_for_a_claim_and_the_last_leaves_nothing_to_watch():
    s = song()
    s.claim_step("compose_audio", "a", NOW, LEASE)
    s.finish_step("compose_audio", 85, claim_by=NOW + timedelta(minutes=2))
    assert (s.plan, s.lease_holder, s.lease_expires_at, s.status) == (["deliver"], None, NOW + timedelta(minutes=2), "audio_ready")
    assert s.claim_step("deliver", "b", NOW, LEASE) is True and s.recoveries == 0  # an unclaimed step is no takeover
    s.finish_step("deliver", 100, claim_by=NOW + timedelta(minutes=2))
    assert (s.plan, s.lease_expires_at, s.status, s.progress) == ([], None, "completed", 100)


def test_a_claim_resets_the_re_send_count():
    s = song()
    s.requeues = 3
    s.claim_step("compose_audio", "a", NOW, LEASE)
    assert s.requeues == 0


def test_a_step_left_waiting_is_sent_again_after_doubling_delays():
    terms = LeaseTerms(lease=LEASE, requeue_after=timedelta(minutes=2))
    delays = [terms.claim_by(NOW, requeues) - NOW for requeues in range(8)]
    assert delays[:6] == [timedelta(minutes=2 * 2 ** n) for n in range(6)]
    assert delays[6] == delays[7] == delays[5]  # capped at 64 minutes
    assert terms.beat_seconds == 6


@pytest.mark.parametrize("reported", [0.0, 0.3, 0.9])
def test_the_bar_creeps_between_reports_but_never_reaches_the_end(reported):
    shown = [shown_fraction(reported, seconds, expected_seconds=60) for seconds in range(0, 600, 6)]
    assert shown[0] == reported
    assert all(later > earlier for earlier, later in zip(shown, shown[1:]))
    assert shown[-1] < reported + (1 - reported) * CREEP_LIMIT < 1

"""The approval gate of a song's run, as plain objects (no app, no database): a song whose customer
approves the lyrics stops after them, with nothing for a worker or the recovery sweep to do."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from songcraft.orders.models import Order
from songcraft.songs.models import Song

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
LEASE = timedelta(seconds=60)
CLAIM_BY = NOW + timedelta(minutes=2)


def song(approve_lyrics=True) -> Song:
    s = Song(order=Order(status="paid"), plan=[], status="queued", recoveries=0, requeues=0, progress=0,
             approve_lyrics=approve_lyrics, lyrics=None, lyrics_rewrites=0)
    s.start(["write_lyrics", "compose_audio", "deliver"], claim_by=CLAIM_BY)
    return s


def written(s: Song) -> Song:
    assert s.claim_step("write_lyrics", "writer", NOW, LEASE)
    s.lyrics = "[Verse]\nMaya you shine"
    s.approval_due_at = NOW + timedelta(hours=72)  # what songs/approval.py sets as the lyrics are stored
    s.finish_step("write_lyrics", 25, claim_by=CLAIM_BY)
    return s


def test_only_the_lyrics_may_run_before_the_approval_and_the_rest_stays_planned():
    s = song()
    assert s.runnable_plan == ["write_lyrics"] and s.plan == ["write_lyrics", "compose_audio", "deliver"]
    assert s.is_busy and not s.at_approval_gate and not s.awaiting_approval  # no lyrics to review yet
    assert s.claim_step("compose_audio", "too-early", NOW, LEASE) is False


def test_after_the_lyrics_the_song_waits_at_the_gate_with_nothing_for_a_worker_or_the_sweep():
    s = written(song())
    assert (s.status, s.plan, s.runnable_plan) == ("lyrics_ready", ["compose_audio", "deliver"], [])
    assert (s.lease_holder, s.lease_expires_at) == (None, None)  # the recovery sweep only looks at lease deadlines
    assert s.at_approval_gate and s.awaiting_approval and s.waiting_for == "approval"
    assert not s.is_busy  # the customer may edit the lyrics or ask for a rewrite
    assert s.claim_step("compose_audio", "a-stale-message", NOW, LEASE) is False


def test_approving_lets_the_music_run():
    s = written(song())
    s.approve(NOW, claim_by=CLAIM_BY)
    assert (s.lyrics_approved_at, s.approval_due_at, s.lease_expires_at) == (NOW, None, CLAIM_BY)
    assert s.runnable_plan == ["compose_audio", "deliver"] and s.is_busy
    assert not s.at_approval_gate and not s.awaiting_approval and s.waiting_for != "approval"
    assert s.claim_step("compose_audio", "composer", NOW, LEASE) is True


def test_a_rewrite_leaves_the_gate_keeps_awaiting_approval_and_comes_back():
    s = written(song())
    s.start(["write_lyrics", "compose_audio", "deliver"], claim_by=CLAIM_BY)
    s.lyrics_rewrites += 1  # as songs/service.py's regenerate_lyrics counts it
    assert s.approval_due_at is None and s.lease_expires_at == CLAIM_BY  # the beat will not approve a rewrite under way
    assert s.awaiting_approval and not s.at_approval_gate and s.runnable_plan == ["write_lyrics"]
    written(s)
    assert s.at_approval_gate and s.plan == ["compose_audio", "deliver"]


def test_a_song_stopped_at_the_gate_leaves_it():
    s = written(song())
    s.plan = []  # what a refund does
    s.fail("The order was refunded, so the song was stopped.")
    assert not s.at_approval_gate and not s.awaiting_approval and s.approval_due_at is None


def test_without_approval_the_run_goes_straight_on():
    s = song(approve_lyrics=False)
    assert s.runnable_plan == s.plan
    assert s.claim_step("write_lyrics", "writer", NOW, LEASE)
    s.lyrics = "[Verse]\nMaya you shine"
    s.finish_step("write_lyrics", 25, claim_by=CLAIM_BY)
    assert s.lease_expires_at == CLAIM_BY and not s.at_approval_gate and not s.awaiting_approval

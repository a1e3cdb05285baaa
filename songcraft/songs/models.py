"""Songs, their pipeline state machine, and the audio takes a provider returned."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, column_property, mapped_column, relationship

from config import GENRES, LANGUAGES, MOODS
from songcraft.common.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from songcraft.engines.synth import VOCAL_STYLES
from songcraft.errors import Conflict
from songcraft.extensions import db
from songcraft.files.models import Image
from songcraft.orders.models import Order

# Pipeline steps in order. `render_video` only does work for video orders with images.
STEPS = ("write_lyrics", "compose_audio", "render_video", "deliver")

# The status a song shows while a step runs (None: unchanged), and once it is done.
STEP_STATUS = {
    "write_lyrics": ("generating_lyrics", "lyrics_ready"),
    "compose_audio": ("generating_audio", "audio_ready"),
    "render_video": ("generating_video", "generating_video"),
    "deliver": (None, "completed"),
}
WAITING_FOR = ("approval", "photos")
STATUSES = ("queued", "generating_lyrics", "lyrics_ready", "generating_audio", "audio_ready", "generating_video", "completed", "failed")
VIDEO_FORMATS = ("16:9", "9:16")


class StepAlreadyRunning(Conflict):
    """A step is already running for this song (HTTP 409)."""


class Song(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "songs"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    order_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True, nullable=False)
    title: Mapped[str | None] = mapped_column(sa.String(100))
    recipient_name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    occasion: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    genre: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    mood: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    story: Mapped[str] = mapped_column(sa.Text, nullable=False)
    language: Mapped[str] = mapped_column(sa.String(8), default="en", nullable=False)
    vocal_style: Mapped[str | None] = mapped_column(sa.String(10))  # None for instrumentals
    name_pronunciation: Mapped[str | None] = mapped_column(sa.String(60))  # e.g. "ow-REL-ya"
    instrumental: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    video_format: Mapped[str] = mapped_column(sa.String(5), default="16:9", nullable=False)
    lyrics: Mapped[str | None] = mapped_column(sa.Text)
    lyrics_rewrites: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    # The customer reviews the lyrics before the music is made (songs/approval.py). While they have
    # not approved them, the run stops at the approval gate: after the lyrics, before compose_audio.
    approve_lyrics: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false(), nullable=False)
    lyrics_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # approved automatically then
    audio_regenerations: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0", nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), default="queued", nullable=False)
    progress: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    error: Mapped[str | None] = mapped_column(sa.Text)
    # The steps still to run, head first. It survives failures, so a retry resumes at the failed step.
    plan: Mapped[list] = mapped_column(sa.JSON, default=list, nullable=False)
    # The lease on the song's next step. `lease_holder` is the one execution running the step (None
    # while the step waits in its queue); `lease_expires_at` is when the recovery sweep steps in: the
    # end of the running step's lease, renewed by its heartbeat, or the time by which a worker
    # should have claimed the waiting step. None when no step is planned.
    lease_holder: Mapped[str | None] = mapped_column(sa.String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    recoveries: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)  # lapsed leases taken over this run
    requeues: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0", nullable=False)  # re-sends of the waiting step
    # When the audio provider last called back about `audio_job_id`: the running step looks at the job at once.
    audio_callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audio_provider: Mapped[str | None] = mapped_column(sa.String(20))
    audio_job_id: Mapped[str | None] = mapped_column(sa.String(200))
    duration_seconds: Mapped[float | None] = mapped_column(sa.Float)
    video_key: Mapped[str | None] = mapped_column(sa.String(512))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(backref=backref("song", uselist=False, lazy="selectin"))
    takes: Mapped[list["Take"]] = relationship(
        back_populates="song", order_by="Take.position", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES}", name="status"),
        sa.CheckConstraint(f"genre IN {GENRES}", name="genre"),
        sa.CheckConstraint(f"mood IN {MOODS}", name="mood"),
        sa.CheckConstraint(f"language IN {tuple(LANGUAGES)}", name="language"),
        sa.CheckConstraint(f"vocal_style IN {VOCAL_STYLES}", name="vocal_style"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        sa.Index("ix_songs_status_updated", "status", "updated_at"),
    )

    @property
    def is_busy(self) -> bool:
        """Steps may run and the song has not failed: a run is under way."""
        return bool(self.runnable_plan) and self.status != "failed"

    @property
    def approval_pending(self) -> bool:
        """The customer asked to approve the lyrics and has not yet: no music is made until they do."""
        return bool(self.approve_lyrics) and self.lyrics_approved_at is None

    @property
    def runnable_plan(self) -> list[str]:
        """The planned steps that may run now: all of them, or those before the music while the
        lyrics await approval. The rest stay planned (`remaining_steps` shows them)."""
        plan = self.plan or []  # None on a new song until it is flushed
        if self.approval_pending and "compose_audio" in plan:
            return plan[: plan.index("compose_audio")]
        return list(plan)

    @property
    def at_approval_gate(self) -> bool:
        """Stopped at `lyrics_ready` for the customer's approval: steps are planned and none may run."""
        return bool(self.plan) and not self.runnable_plan and self.status != "failed"

    @property
    def awaiting_approval(self) -> bool:
        """The lyrics are there to review and the music waits for the customer's approval (also while
        a rewrite they asked for is being written). Whether lyrics exist is told by the status and the
        rewrite count, so a list need not load the lyrics themselves."""
        has_lyrics = self.lyrics_rewrites > 0 or self.status not in ("queued", "generating_lyrics")
        return self.approval_pending and "compose_audio" in (self.plan or []) and self.status != "failed" and has_lyrics

    @property
    def selected_take(self) -> "Take | None":
        return next((take for take in self.takes if take.selected), None)

    @property
    def display_title(self) -> str:
        """The title, or a stand-in until the lyrics step names the song."""
        return self.title or f"A song for {self.recipient_name}"

    @property
    def wants_video(self) -> bool:
        return self.order.includes_video

    @property
    def waiting_for(self) -> str | None:
        """What the song waits for from its customer: "approval" of the lyrics at the approval gate;
        "photos" while a video song has neither its video nor a photo to make it from; None when
        nothing is asked of them."""
        if self.at_approval_gate:
            return "approval"
        return "photos" if self.lacks_photos else None

    def start(self, steps: list[str], claim_by: datetime) -> None:
        """Plan a run of `steps`, to be claimed by a worker before `claim_by`; refuses while another run is under way."""
        if self.is_busy:
            raise StepAlreadyRunning(f"The song is busy ({self.status.replace('_', ' ')}); try again when it is done.")
        if self.order.status not in ("paid", "fulfilled"):
            raise Conflict(f"The order for this song is {self.order.status}.")
        self.plan, self.status, self.error, self.recoveries, self.requeues = list(steps), "queued", None, 0, 0
        self.approval_due_at = None  # the run leaves the approval gate (a rewrite comes back to it)
        self.wait_for_claim(claim_by)
        self.started_at = self.started_at or utcnow()

    def is_due(self, step: str) -> bool:
        return self.status != "failed" and self.runnable_plan[:1] == [step]

    def claim_step(self, step: str, holder: str, now: datetime, lease: timedelta) -> bool:
        """Give `step` to execution `holder` for `lease`; False when the step is not due (a failed
        song, a stale or duplicate message) or a live lease holds it. Taking over a lapsed lease
        (its holder died) counts as a recovery."""
        if not self.is_due(step):
            return False
        if self.lease_holder is not None:
            if self.lease_expires_at > now:
                return False
            self.recoveries += 1
        self.lease_holder, self.lease_expires_at, self.requeues = holder, now + lease, 0
        self.status = STEP_STATUS[step][0] or self.status
        return True

    def holds(self, step: str, holder: str) -> bool:
        """Whether `holder` still holds the lease on `step` (it may have lapsed and been taken over)."""
        return self.is_due(step) and self.lease_holder == holder

    def wait_for_claim(self, claim_by: datetime) -> None:
        """No execution holds the next step: it waits in its queue until a worker claims it, by
        `claim_by`. At the approval gate nothing waits for a worker, so the sweep has nothing to watch."""
        self.lease_holder, self.lease_expires_at = None, claim_by if self.runnable_plan else None

    def approve(self, now: datetime, claim_by: datetime) -> None:
        """The customer (or the approval deadline) approves the lyrics: the planned music steps may run,
        to be claimed by `claim_by`. Callers check `at_approval_gate` first."""
        self.lyrics_approved_at, self.approval_due_at = now, None
        self.wait_for_claim(claim_by)

    def finish_step(self, step: str, progress: int, claim_by: datetime) -> None:
        """`step` is done: the next one waits to be claimed by `claim_by`."""
        self.plan = self.plan[1:]
        self.wait_for_claim(claim_by)
        self.status = STEP_STATUS[step][1]
        self.progress = max(self.progress, progress)
        if step == "deliver":
            self.completed_at = utcnow()

    def fail(self, message: str) -> None:
        """Stop the run; the plan is kept, so a retry resumes at the failed step."""
        self.status, self.error = "failed", message[:2000]
        self.lease_holder = self.lease_expires_at = self.approval_due_at = None


class Take(IdMixin, TimestampMixin, db.Model):
    """One rendition of the song's audio. Every take is kept; exactly one is selected for delivery."""

    __tablename__ = "song_takes"

    song_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("songs.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    storage_key: Mapped[str] = mapped_column(sa.String(512), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(50), default="audio/mpeg", nullable=False)
    size_bytes: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    duration_seconds: Mapped[float] = mapped_column(sa.Float, nullable=False)
    provider_take_id: Mapped[str | None] = mapped_column(sa.String(200))
    sections: Mapped[list] = mapped_column(sa.JSON, default=list, nullable=False)
    # [{"start", "end", "text", "section"}] per sung line, in seconds; `timings_estimated` when not measured.
    line_timings: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]", nullable=False)
    timings_estimated: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false(), nullable=False)
    selected: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)

    song: Mapped[Song] = relationship(back_populates="takes")

    __table_args__ = (sa.UniqueConstraint("song_id", "position", name="uq_song_takes_song_position"),)


# True while a video song has neither its video nor a photo to make it from. A column computed in
# the song's own SELECT, so a list of songs costs no query per song.
Song.lacks_photos = column_property(
    sa.and_(
        Song.video_key.is_(None),
        sa.exists().where(Order.id == Song.order_id, Order.product == "video"),
        ~sa.exists().where(Image.song_id == Song.id),
    )
)

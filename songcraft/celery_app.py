"""The Celery app: every task runs inside the Flask app context, with reliability settings from the start."""
from __future__ import annotations

from datetime import timedelta

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask
from kombu import Exchange, Queue

QUEUES = ("default", "email", "ai", "media")

# Task names are explicit and start with their queue's feature; routing is by name.
TASK_ROUTES = {
    "songcraft.email.*": {"queue": "email"},
    "songcraft.songs.write_lyrics": {"queue": "ai"},
    "songcraft.songs.compose_audio": {"queue": "ai"},
    "songcraft.songs.render_video": {"queue": "media"},
    "songcraft.*": {"queue": "default"},
}

BEAT_SCHEDULE = {
    "expire-pending-orders": {"task": "songcraft.orders.expire_pending", "schedule": crontab(minute="*/10")},
    # Resumes songs whose lease lapsed (see songs/recovery.py): with the default 60 s lease, a dead
    # worker's songs run again within 90 s.
    "recover-songs": {"task": "songcraft.songs.recover", "schedule": timedelta(seconds=30)},
    # Approves the lyrics nobody approved within LYRICS_APPROVAL_HOURS (see songs/approval.py).
    "approve-overdue-lyrics": {"task": "songcraft.songs.approve_overdue", "schedule": crontab(minute="*/5")},
    "redeliver-outbox-emails": {"task": "songcraft.email.redeliver_unsent", "schedule": crontab(minute="*/5")},
    "reveal-due-gifts": {"task": "songcraft.gifts.reveal_due", "schedule": crontab(minute="*")},
    "sweep-file-deletions": {"task": "songcraft.files.sweep_deletions", "schedule": crontab(minute="*/10")},
}


def _transport_options(broker_url: str, hard_time_limit: int) -> dict:
    if broker_url.startswith("redis"):
        # Redis redelivers unacknowledged messages after this long. The song leases already keep a
        # redelivered step from running twice; outlasting the longest task only spares the duplicates.
        return {"visibility_timeout": hard_time_limit * 4}
    return {}  # the embedded SQLAlchemy transport takes no such option


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    hard_limit = app.config["CELERY_TASK_TIME_LIMIT"]
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        result_backend=app.config["CELERY_RESULT_BACKEND"],
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,  # a task is acknowledged only once done, so a crashed worker's task is redelivered
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=app.config["CELERY_TASK_SOFT_TIME_LIMIT"],
        task_time_limit=hard_limit,
        broker_transport_options=_transport_options(app.config["CELERY_BROKER_URL"], hard_limit),
        result_expires=86400,
        task_default_queue="default",
        task_queues=[Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES],
        task_routes=TASK_ROUTES,
        beat_schedule=BEAT_SCHEDULE,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone="UTC",
    )
    celery.set_default()
    import songcraft.tasks  # noqa: F401  (registers every task)

    app.extensions["celery"] = celery
    return celery

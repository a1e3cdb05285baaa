"""Email tasks: send one outbox email, and sweep for emails whose task was lost."""
from __future__ import annotations

from celery import shared_task

from songcraft.notifications import service


@shared_task(
    name=service.SEND_TASK,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=service.MAX_ATTEMPTS,
    soft_time_limit=60,
    time_limit=90,
)
def send_email(email_id: str) -> bool:
    return service.deliver(email_id)


@shared_task(name="songcraft.email.redeliver_unsent")
def redeliver_unsent() -> int:
    email_ids = service.unsent_email_ids()
    for email_id in email_ids:
        send_email.delay(email_id)
    return len(email_ids)

"""Gift tasks: the reveal at `deliver_at`, and the beat that catches up on missed reveals."""
from __future__ import annotations

from celery import shared_task

from songcraft.gifts import reveal as reveals


@shared_task(name=reveals.REVEAL_TASK, autoretry_for=(Exception,), retry_backoff=True, max_retries=5, soft_time_limit=30, time_limit=60)
def reveal(gift_id: str) -> bool:
    return reveals.reveal(gift_id)


@shared_task(name="songcraft.gifts.reveal_due", soft_time_limit=60, time_limit=90)
def reveal_due() -> int:
    return reveals.reveal_due()

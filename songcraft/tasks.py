"""Imports every task module so the worker (and beat) know every task by name."""
from celery import shared_task

from songcraft.files import tasks as file_tasks  # noqa: F401
from songcraft.gifts import tasks as gift_tasks  # noqa: F401
from songcraft.notifications import tasks as notification_tasks  # noqa: F401
from songcraft.orders import tasks as order_tasks  # noqa: F401
from songcraft.privacy import tasks as privacy_tasks  # noqa: F401
from songcraft.songs import tasks as song_tasks  # noqa: F401


@shared_task(name="songcraft.ping")
def ping() -> str:
    """A round trip through the broker, a worker and the result store (works on every transport)."""
    return "pong"

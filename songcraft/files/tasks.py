"""File tasks: retry the deletions of stored files that failed right after their commit."""
from __future__ import annotations

from celery import shared_task

from songcraft.files import cleanup


@shared_task(name="songcraft.files.sweep_deletions")
def sweep_deletions() -> int:
    return cleanup.sweep()

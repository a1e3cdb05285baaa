"""The data export task: thin, with a time limit and retries for storage outages."""
from __future__ import annotations

import logging

from celery import shared_task

from songcraft.privacy import export
from songcraft.providers.storage import StorageError

log = logging.getLogger(__name__)


@shared_task(bind=True, name=export.BUILD_TASK, max_retries=3, soft_time_limit=1800, time_limit=1860)
def build_export(task, export_id: str) -> bool:
    try:
        return export.build(export_id)
    except StorageError as error:
        if task.request.retries < task.max_retries:
            raise task.retry(exc=error, countdown=60 * 2 ** task.request.retries) from None
        export.fail(export_id, f"Storage failed: {error}")
    except Exception as error:
        export.fail(export_id, f"{type(error).__name__}: {error}")
        raise
    return False

from celery import shared_task

from songcraft.orders import service


@shared_task(name="songcraft.orders.expire_pending")
def expire_pending() -> int:
    return service.expire_pending_orders()

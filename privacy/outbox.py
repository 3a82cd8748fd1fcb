"""Sending a task when the broker may be down: never the user's error, never lost.

A job with a row of its own (an export, an erasure, a story video) is sent with `try_send`:
if the broker refuses, the row stays waiting and its app's sweep finds it and sends it
again. A request with no row of its own (a suggestion generation asked for on the page or
through the API) is sent with `send`, which keeps what the broker refused as an
UnsentTask row that `sweep` (privacy.tasks.sweep_unsent, every few minutes) sends again.
In eager mode (tests, development) a failure is raised: there it is a bug, not a broker.
"""

import logging

from celery import current_app
from django.conf import settings
from django.db import transaction

from privacy.models import UnsentTask

log = logging.getLogger(__name__)
SWEEP_BATCH = 200


def try_send(task, *args, **kwargs) -> bool:
    """Send now; False (logged) if the broker would not take it."""
    try:
        task.delay(*args, **kwargs)
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        log.exception("Could not queue %s%r; its sweep will queue it again", task.name, args)
        return False
    return True


def send(task, *args, user=None, **kwargs) -> bool:
    """Send now, or keep it for the sweep (one row per task and arguments) if the broker
    is down. Call it after commit (`send_on_commit`)."""
    try:
        task.delay(*args, **kwargs)
    except Exception as exc:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        log.warning("Broker down: %s%r kept for the sweep (%s)", task.name, args, exc)
        UnsentTask.objects.get_or_create(
            name=task.name,
            args=list(args),
            kwargs=kwargs,
            defaults={"user": user, "error": f"{type(exc).__name__}: {exc}"[:500]},
        )
        return False
    return True


def send_on_commit(task, *args, user=None, **kwargs) -> None:
    transaction.on_commit(lambda: send(task, *args, user=user, **kwargs))


def sweep() -> dict[str, int]:
    """Send again what the broker refused, oldest first; stops at the first refusal (the
    broker is still down: the next sweep tries again)."""
    sent = 0
    for row in UnsentTask.objects.order_by("created_at", "id")[:SWEEP_BATCH]:
        task = current_app.tasks.get(row.name)
        try:
            if task is not None:
                task.apply_async(args=row.args, kwargs=row.kwargs)
            else:
                current_app.send_task(row.name, args=row.args, kwargs=row.kwargs)
        except Exception as exc:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise
            UnsentTask.objects.filter(pk=row.pk).update(
                attempts=row.attempts + 1, error=f"{type(exc).__name__}: {exc}"[:500]
            )
            break
        row.delete()
        sent += 1
    return {"sent": sent, "waiting": UnsentTask.objects.count()}

import os
from pathlib import Path

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """The filesystem transport (the embedded default) needs its folders to exist."""
    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    if not settings.CELERY_BROKER_URL.startswith("filesystem"):
        return
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@task_prerun.connect(dispatch_uid="project.close_old_connections_before")
@task_postrun.connect(dispatch_uid="project.close_old_connections_after")
def close_old_connections_per_task(sender=None, **kwargs) -> None:
    """Django's rule for a request, applied to each task: the connection is kept for
    CONN_MAX_AGE, and one that saw an error is health-checked or closed (settings:
    CELERY_DB_REUSE_MAX). Not for a task run eagerly, inside the caller's transaction."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections, connection

    if not connection.in_atomic_block:
        close_old_connections()

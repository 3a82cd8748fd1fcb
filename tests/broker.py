"""A broker that refuses connections, for the tests of what a request does then."""

import kombu.exceptions
import kombu.messaging
import pytest
from celery import current_app


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Tasks are sent for real (not run eagerly), and every publish fails the way Celery
    fails when the broker's port is closed (kombu's OperationalError). Yields the list of
    task names whose sending was refused."""
    # Celery's conf reads Django's settings: patched first, it restores the real value.
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setitem(current_app.conf, "task_publish_retry", False)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    refused = []

    def publish(self, body, *args, **kwargs):
        refused.append((kwargs.get("headers") or {}).get("task"))
        raise kombu.exceptions.OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(kombu.messaging.Producer, "publish", publish)
    return refused


def broker_back(settings, monkeypatch) -> None:
    """The broker is up again, and the tests' worker runs what is sent (eagerly)."""
    monkeypatch.setattr(kombu.messaging.Producer, "publish", REAL_PUBLISH)
    monkeypatch.setitem(current_app.conf, "task_always_eager", True)
    settings.CELERY_TASK_ALWAYS_EAGER = True


REAL_PUBLISH = kombu.messaging.Producer.publish

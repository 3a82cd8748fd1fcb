"""A worker keeps its database connection from one task to the next (Celery's Django fixup
would close it around every task: a new PostgreSQL connection per photo), and still drops
one that is too old or broken, as Django does between requests."""

import time
from types import SimpleNamespace
from unittest import mock

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from project.celery import app, close_old_connections_per_task


@pytest.fixture(autouse=True)
def outside_a_test_transaction(django_db_setup, django_db_blocker):
    """The test database's connection as a worker has it: no transaction around the test
    (nothing here writes; `close` itself is replaced by a mock in each test)."""
    with django_db_blocker.unblock():
        yield


TASK = SimpleNamespace(request=SimpleNamespace(is_eager=False))
EAGER = SimpleNamespace(request=SimpleNamespace(is_eager=True))


def _closes_around(count: int, sender=TASK) -> int:
    """How many times the connection is closed by what the worker's signals do around
    `count` tasks (the fixup's handlers, then ours)."""
    fixup = DjangoWorkerFixup(app)
    with mock.patch.object(connection, "close") as close:
        for _ in range(count):
            fixup.on_task_prerun(sender=sender)
            close_old_connections_per_task(sender=sender)
            fixup.on_task_postrun(sender=sender)
            close_old_connections_per_task(sender=sender)
    return close.call_count


def test_the_connection_lasts_across_tasks():
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 60  # CONN_MAX_AGE on PostgreSQL
    assert _closes_around(20) == 0


def test_without_the_setting_the_fixup_would_close_it_around_every_task(settings):
    settings.CELERY_DB_REUSE_MAX = None
    app.conf.pop("CELERY_DB_REUSE_MAX", None)
    try:
        connection.ensure_connection()
        connection.close_at = time.monotonic() + 60
        assert _closes_around(3) >= 6
    finally:
        app.conf.CELERY_DB_REUSE_MAX = 1000


def test_a_connection_past_its_age_is_closed_after_the_task():
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1
    assert _closes_around(1) >= 1


def test_a_broken_connection_is_closed_after_the_task():
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 60
    connection.errors_occurred = True
    with mock.patch.object(connection, "is_usable", return_value=False):  # the server went away
        assert _closes_around(1) >= 1


def test_an_eager_task_leaves_the_callers_connection_alone():
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1
    assert _closes_around(3, sender=EAGER) == 0

"""Shared fixtures: three users (alice the owner, bob another user, charlie an outsider),
a moderator, private media storage per test (or a bucket on a real S3 server), and the real
photos and models from ../shared.
"""

import importlib
import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts.models import Device

PASSWORD = "correct horse battery staple 42"


def shared_photos_dir() -> Path:
    path = Path(os.environ.get("TEST_PHOTOS_DIR") or settings.BASE_DIR.parent / "shared/photos")
    if not path.is_dir():
        pytest.fail(f"Test photos not found at {path}; set TEST_PHOTOS_DIR (see README).")
    return path


@pytest.fixture
def photos_dir() -> Path:
    return shared_photos_dir()


@pytest.fixture(autouse=True)
def private_media(tmp_path, settings):
    """Every test writes media into its own folder, never into var/media."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    return root


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Tests that call the WSGI app directly (the schemathesis contract tests) must not have
    Django close the test's database connection at the end of each request: inside a test
    transaction it looks unusable and is closed, which PostgreSQL does not survive. Django's
    test Client disconnects the same handlers for the same reason."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _project_celery_app_is_current():
    """Tasks declared with shared_task send through Celery's *current* app. A test that
    makes an app of its own, or a worker's start-up, can leave another one current, whose
    defaults are not eager: a task sent after it went to a broker nobody reads (an erasure
    retried by the sweep stayed pending)."""
    from project.celery import app

    app.set_current()
    yield


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _make_user(django_user_model, username, **extra):
    from django.utils import timezone

    return django_user_model.objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=PASSWORD,
        consent_reviewed_at=timezone.now(),
        **extra,
    )


@pytest.fixture
def alice(db, django_user_model):
    return _make_user(django_user_model, "alice")


@pytest.fixture
def bob(db, django_user_model):
    return _make_user(django_user_model, "bob")


@pytest.fixture
def charlie(db, django_user_model):
    return _make_user(django_user_model, "charlie")


@pytest.fixture
def moderator(db, django_user_model):
    user = _make_user(django_user_model, "mod", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def api_token_for():
    def make(user, name="Test phone"):
        _, raw = Device.issue(user, name)
        return raw

    return make


@pytest.fixture
def api_client_for(api_token_for):
    """An API client authenticated as a companion-app device of `user`."""

    def make(user):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
        return api

    return make


@pytest.fixture
def grant():
    """Grant scopes to a user through the real consent service."""
    from privacy import consent

    def do(user, *scopes):
        for scope in scopes:
            if not consent.allows(user, scope):
                consent.grant(user, scope)

    return do


@pytest.fixture
def published_terms(transactional_db):
    """The terms the data migration publishes, for a transactional test (which starts from
    a flushed database): the race tests (tests/races.py) grant consent."""
    from django.apps import apps

    importlib.import_module("privacy.migrations.0002_initial_terms").seed(apps, None)


@pytest.fixture
def celery_worker_process(private_media, settings, tmp_path):
    """A real Celery worker process (prefork, queues celery and ml) on the test database.

    Needs a real broker (make test-postgres: Redis; make test-rabbitmq: RabbitMQ) and a
    database another process can see:
    use it from tests marked `integration` with
    `@pytest.mark.django_db(transaction=True, serialized_rollback=True)`.
    Yields a handle with `.kill()` (SIGKILL) and `.start()` to restart it.
    """
    from tests.worker import WorkerProcess

    if settings.CELERY_BROKER_URL.startswith(("filesystem", "memory")):
        pytest.fail(
            "integration tests need a real broker: run them with `make test-postgres` "
            "or `make test-rabbitmq`"
        )
    worker = WorkerProcess(media_root=private_media, log_dir=tmp_path)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's standalone S3 server in its own process, started once for the session."""
    from tests.s3 import MotoServer

    server = MotoServer(log_dir=tmp_path_factory.mktemp("moto"))
    server.start()
    try:
        server.storage = server.production_storage()
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server, private_media, settings):
    """Media storage is S3 for this test: the production S3 options (project/settings.py,
    STORAGE_BACKEND=s3) on a fresh bucket of the real server. Yields the bucket, to look
    at what the app stored; local MEDIA_ROOT stays as `private_media`, to check it stays
    empty."""
    from tests.s3 import Bucket

    bucket = Bucket(s3_server, f"camroll-{uuid.uuid4().hex[:16]}")
    bucket.s3.create_bucket(Bucket=bucket.name)
    storage = s3_server.storage
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**storage, "OPTIONS": {**storage["OPTIONS"], "bucket_name": bucket.name}},
    }
    yield bucket
    bucket.destroy()


def _flushes_without_reload(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if marker is None:
        return "transactional_db" in fixtures
    transactional = marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    transactional = transactional or "transactional_db" in fixtures
    return bool(transactional) and not marker.kwargs.get("serialized_rollback")


def pytest_collection_modifyitems(config, items):
    """Transactional tests without serialized_rollback run last. Each ends with a flush
    whose post_migrate makes the content types and permissions again under new ids; a
    serialized_rollback test after it reloads the old rows and fails on their unique keys
    (duplicate (app_label, model)), whichever file it is in. The order is otherwise kept."""
    items.sort(key=_flushes_without_reload)

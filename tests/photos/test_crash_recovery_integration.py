"""The embedded broker (filesystem transport, what `make run` uses) drops a message once a
worker fetched it, so acks_late gives nothing back: a real worker on it is killed with
SIGKILL mid-photo, restarted, and finishes the photo with no beat and no sweep running.

Needs a database another process can see: PostgreSQL (make test-postgres) or a SQLite file
(SQLITE_TEST_NAME). The broker is the worker's own filesystem folders, whatever the suite's
broker is."""

import time
from pathlib import Path

import pytest
from celery import Celery

from photos.analysis import queue
from photos.models import AnalysisStatus, AnalysisStep, Face, Photo, Step, Tag
from privacy.models import Outcome, ProcessingRecord, Scope
from tests.factories import make_photo
from tests.worker import WorkerProcess


def wait_for(condition, timeout, what, worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout}s waiting for {what}:\n{worker.log()[-4000:]}")


def broker_options(var_dir: Path) -> dict:
    # As project/settings.py derives them from VAR_DIR.
    folders = {
        "data_folder_in": var_dir / "broker" / "queue",
        "data_folder_out": var_dir / "broker" / "queue",
        "control_folder": var_dir / "broker" / "control",
        "processed_folder": var_dir / "broker" / "processed",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {**{k: str(v) for k, v in folders.items()}, "store_processed": False}


@pytest.fixture
def filesystem_worker(private_media, settings, tmp_path):
    from django.db import connection

    if connection.vendor == "sqlite" and not settings.DATABASES["default"]["TEST"].get("NAME"):
        pytest.skip("the worker cannot see an in-memory SQLite test database")
    var_dir = tmp_path / "var"
    options = broker_options(var_dir)
    sender = Celery("sender", broker="filesystem://", set_as_current=False)
    sender.conf.broker_transport_options = options
    worker = WorkerProcess(
        media_root=private_media,
        log_dir=tmp_path,
        env={"CELERY_BROKER_URL": "filesystem://", "VAR_DIR": str(var_dir)},
    )
    worker.sender = sender
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restarted_worker_on_the_filesystem_broker_finishes_the_photo_it_died_on(
    alice, grant, photos_dir, filesystem_worker
):
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    # A crowd photo: about a hundred faces make the faces step last long enough to hit.
    photo = make_photo(alice, photos_dir / "scenes/selfie.jpg", status=AnalysisStatus.PENDING)
    queue.ensure_steps([photo.pk])
    # An explicit connection: Celery's broker_url prefers the CELERY_BROKER_URL environment
    # variable (Redis or RabbitMQ under make test-postgres / test-rabbitmq) over the one
    # given to the app, and changing the variable would leak into the next tests' app.
    sender = filesystem_worker.sender
    with sender.connection_for_write("filesystem://") as conn:
        sender.send_task(queue.ANALYSE_TASK, args=(photo.pk,), queue="ml", connection=conn)
    running = AnalysisStep.objects.filter(
        photo=photo, step__in=[Step.FACES, Step.SCENES], status=AnalysisStatus.RUNNING
    )
    wait_for(running.exists, 120, "the faces step to start", filesystem_worker)
    filesystem_worker.kill()

    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.RUNNING  # it really died mid-way
    time.sleep(2)
    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.RUNNING  # and nothing else picks it up

    filesystem_worker.start()  # no beat, no sweep: the worker's start-up alone
    wait_for(
        lambda: Photo.objects.get(pk=photo.pk).analysis_status == AnalysisStatus.DONE,
        240,
        "the restarted worker to finish the photo",
        filesystem_worker,
    )
    assert "left running by a stopped worker" in filesystem_worker.log()
    faces = Face.objects.filter(photo=photo)
    assert faces.count() >= 50
    tags = list(Tag.objects.filter(photo=photo).values_list("label", flat=True))
    assert tags and len(tags) == len(set(tags))
    for step in (Step.FACES, Step.SCENES):
        done = ProcessingRecord.objects.filter(photo_ref=photo.pk, step=step, outcome=Outcome.DONE)
        assert done.count() == 1, step

"""Migration 0004/0005: ProcessingRecord loses its foreign key into photos, not its data."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import make_photo

BEFORE = [("privacy", "0003_moderators_see_access_log")]
AFTER = [("privacy", "0005_remove_processingrecord_photo")]


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_photo_id_and_name_of_old_records(alice, photos_dir):
    photo = make_photo(alice, photos_dir / "scenes/ibm_dog.jpg")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Record = old.get_model("privacy", "ProcessingRecord")
    now = timezone.now()
    kept = Record.objects.create(
        user_id=alice.pk, photo_id=photo.pk, step="faces", started_at=now, outcome="done"
    )
    named = Record.objects.create(
        user_id=alice.pk,
        photo_id=photo.pk,
        photo_ref=photo.pk,
        photo_name="already.jpg",
        step="scenes",
        started_at=now,
        outcome="done",
    )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    from privacy.models import ProcessingRecord

    rows = {r.pk: (r.photo_ref, r.photo_name) for r in ProcessingRecord.objects.all()}
    assert rows[kept.pk] == (photo.pk, photo.original_name)
    assert rows[named.pk] == (photo.pk, "already.jpg")

from django.conf import settings
from django.db import migrations
from django.db.models import F


def keep_the_photo_reference(apps, schema_editor):
    """Rows written before photo_ref and photo_name existed keep the id and the name."""
    Record = apps.get_model("privacy", "ProcessingRecord")
    Record.objects.filter(photo_ref__isnull=True, photo__isnull=False).update(
        photo_ref=F("photo_id")
    )
    unnamed = Record.objects.filter(photo_name="", photo__isnull=False).select_related("photo")
    batch = []
    for record in unnamed.iterator(chunk_size=1000):
        record.photo_name = (record.photo.original_name or "")[:255]
        batch.append(record)
        if len(batch) >= 1000:
            Record.objects.bulk_update(batch, ["photo_name"])
            batch = []
    Record.objects.bulk_update(batch, ["photo_name"])


class Migration(migrations.Migration):
    # Data only: the column goes in 0005, in its own transaction (PostgreSQL refuses to
    # alter a table with pending trigger events from rows updated in the same one).
    # No new dependency on photos: 0001_initial's (for the old foreign key) is the last one.
    dependencies = [
        ("privacy", "0003_moderators_see_access_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(keep_the_photo_reference, migrations.RunPython.noop),
    ]

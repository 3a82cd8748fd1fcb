from datetime import timedelta

import django.db.models.deletion
from django.db import migrations, models


def link_undone_merges(apps, schema_editor):
    """An undone merge names the person it gave back; find them for the merges undone
    before the link existed: undo_merge() made them (in the merged person's pack) just
    before it stamped undone_at. Unmatched records keep no link."""
    PersonMerge = apps.get_model("photos", "PersonMerge")
    Person = apps.get_model("photos", "Person")
    for record in PersonMerge.objects.filter(undone_at__isnull=False, source__isnull=True):
        made = (
            Person.objects.filter(
                owner_id=record.owner_id,
                pack=record.into.pack,
                created_at__gte=record.undone_at - timedelta(minutes=1),
                created_at__lte=record.undone_at,
            )
            .exclude(pk=record.into_id)
            .order_by("-created_at", "-pk")
            .first()
        )
        if made is not None:
            record.source = made
            record.save(update_fields=["source"])


class Migration(migrations.Migration):
    dependencies = [
        ("photos", "0006_face_person_photo_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="personmerge",
            name="source",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="merges_from",
                to="photos.person",
            ),
        ),
        migrations.RunPython(link_undone_merges, migrations.RunPython.noop),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0004_processing_record_keeps_photo_ref"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="processingrecord",
            name="photo",
        ),
        migrations.AddIndex(
            model_name="processingrecord",
            index=models.Index(fields=["user", "photo_ref"], name="processing_user_photo"),
        ),
    ]

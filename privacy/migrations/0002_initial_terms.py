from django.db import migrations
from django.utils import timezone

TERMS = {
    "cloud_processing": (
        "Analyse the photos I put in the cloud",
        "Your uploaded photos and videos are analysed on this server, in background jobs: "
        "thumbnails, objects and scenes (a MobileNetV2 ImageNet classifier), photo quality "
        "(sharpness, exposure) and near-duplicates (a perceptual hash). The results are used "
        "only to build suggestions for you: collages, recaps, effects and theme albums. Only "
        "you see them. They are kept until you delete them, or your account. Revoke this at "
        "any time: nothing further is analysed, even jobs already waiting.",
    ),
    "camera_roll_sync": (
        "Sync my camera roll continuously",
        "The companion app uploads new photos from your phone's camera roll on its own, "
        "without you choosing each one. By default only photos taken in the last 30 days are "
        "synced. Revoke this and the app stops syncing at once; photos already uploaded stay "
        "until you delete them.",
    ),
    "face_analysis": (
        "Detect and recognise faces (biometric)",
        "Faces in your photos are detected and turned into face embeddings (numbers that "
        "describe a face) with insightface, and similar faces are grouped into people that "
        "you can name. This is biometric data: it is kept separate, never shared, never used "
        "for anything but your own People pages and suggestions. Revoking it deletes every "
        "face, embedding and person at once.",
    ),
    "older_photos": (
        "Use my photos older than 30 days",
        "Sync and suggestions use only your last 30 days unless you allow this. With it, "
        "older photos can be synced and used for themed recaps such as 'on this day' and "
        "past trips. Revoke it and suggestions made from older photos disappear.",
    ),
    "ai_training": (
        "Use my photos to train AI models",
        "Off unless you opt in. If you allow it, your photos may be listed in the training "
        "manifest used to improve the models that run on this service. Revoke it and your "
        "photos are left out of every later manifest.",
    ),
}


def seed(apps, schema_editor):
    ConsentTerms = apps.get_model("privacy", "ConsentTerms")
    now = timezone.now()
    for scope, (title, text) in TERMS.items():
        ConsentTerms.objects.get_or_create(
            scope=scope, version=1, defaults={"title": title, "text": text, "published_at": now}
        )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

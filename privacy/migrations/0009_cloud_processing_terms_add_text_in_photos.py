"""Cloud processing's terms get a new version that adds reading the text in photos.

It extends the version before it (`extends_previous`): whoever accepted that one keeps
thumbnails, objects, quality and near-duplicates; only a grant of this version lets the
text step run (photos.analysis.steps.text). Users see the change on the privacy page and
can accept it."""

from django.db import migrations, models
from django.utils import timezone

SCOPE = "cloud_processing"
TITLE = "Analyse the photos I put in the cloud"
TEXT = (
    "Your uploaded photos and videos are analysed on this server, in background jobs: "
    "thumbnails, objects and scenes (a MobileNetV2 ImageNet classifier), photo quality "
    "(sharpness, exposure) and near-duplicates (a perceptual hash). New in this version: "
    "the text your photos show (a receipt, a sign, a ticket, a document, a card, a screen) "
    "is read on this server by an OCR model (PP-OCRv6) and kept, line by line with where it "
    "is in the photo, so that you can search your photos by it. That text can be personal "
    "data: names, addresses, numbers. It is never sent anywhere, never used for anything but "
    "your own search and photo pages, and only you see it; the analysis log says how many "
    "lines were read, not what they say. The results are used only for you: search, "
    "collages, recaps, effects and theme albums. They are kept until you delete them, the "
    "photo or your account. Revoke this at any time: nothing further is analysed, even jobs "
    "already waiting, and the text read in your photos is deleted at once. If you accepted "
    "the previous version, everything it allowed goes on; only reading text waits until you "
    "accept this one."
)


def publish(apps, schema_editor):
    ConsentTerms = apps.get_model("privacy", "ConsentTerms")
    if ConsentTerms.objects.filter(scope=SCOPE, title=TITLE, text=TEXT).exists():
        return
    latest = ConsentTerms.objects.filter(scope=SCOPE).order_by("-version").first()
    ConsentTerms.objects.create(
        scope=SCOPE,
        version=(latest.version if latest else 0) + 1,
        title=TITLE,
        text=TEXT,
        published_at=timezone.now(),
        extends_previous=latest is not None,
    )


def unpublish(apps, schema_editor):
    ConsentTerms = apps.get_model("privacy", "ConsentTerms")
    ConsentTerms.objects.filter(scope=SCOPE, text=TEXT).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0008_erasure_batches_and_unsent_tasks")]
    operations = [
        migrations.AddField(
            model_name="consentterms",
            name="extends_previous",
            field=models.BooleanField(
                default=False,
                help_text="An addition: whoever accepted an earlier version keeps what it "
                "allowed, and only a grant of this version (or a later one) allows what it "
                "adds. Users are shown the change and can accept it; nothing they allowed is "
                "paused.",
            ),
        ),
        migrations.RunPython(publish, unpublish),
    ]

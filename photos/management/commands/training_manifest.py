import json
import os
import tempfile

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from photos.models import MediaType, Photo
from privacy import consent
from privacy.models import Scope


# It lives in photos, not privacy: it lists photos (privacy knows no other app's models) and
# asks privacy only whose consent allows training.
class Command(BaseCommand):
    help = (
        "Write the manifest of training-eligible photos: only photos whose owners have "
        "ai_training granted, under the terms in force, at the moment the command runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Where to write the manifest (JSON).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the eligible photos, write nothing."
        )

    def handle(self, *args, output=None, dry_run=False, **options):
        if not output and not dry_run:
            raise CommandError("Give --output FILE (or --dry-run).")
        owners = consent.users_allowing(Scope.AI_TRAINING)
        photos = (
            Photo.objects.live()
            .filter(owner__in=owners, media_type=MediaType.PHOTO)
            .order_by("owner_id", "id")
            .values_list("id", "owner_id", "sha256", "original", "content_type", "width", "height")
        )
        items = [
            {
                "photo_id": pk,
                "owner_id": owner,
                "sha256": sha,
                "path": name,
                "content_type": ctype,
                "width": width,
                "height": height,
            }
            for pk, owner, sha, name, ctype, width, height in photos.iterator()
        ]
        if dry_run:
            self.stdout.write(
                f"{len(items)} photos of {len({i['owner_id'] for i in items})} users are "
                "eligible; nothing written (dry run)."
            )
            return
        manifest = {
            "generated_at": timezone.now().isoformat(),
            "scope": str(Scope.AI_TRAINING),
            "count": len(items),
            "photos": items,
        }
        directory = os.path.dirname(os.path.abspath(output))
        # Written beside the target and renamed: a reader never sees half a manifest.
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(manifest, fh, indent=1)
            os.replace(tmp, output)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        self.stdout.write(f"Wrote {len(items)} photos to {output}.")

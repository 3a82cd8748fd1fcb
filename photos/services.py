"""Photo verbs that change several rows. Filled in by the library and analysis work."""

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from photos.models import Face, Person, PersonMerge, Photo
from photos.signals import photos_deleting
from privacy.files import delete_files_on_commit


@transaction.atomic
def face_data_counts(user) -> dict[str, int]:
    """What delete_face_data deletes. A forgotten person's face kept as unrecognised has no
    embedding; the merge history holds merged-away people's names and birthdays."""
    faces = Face.objects.filter(owner=user)
    return {
        "faces": faces.count(),
        "embeddings": faces.exclude(embedding=b"").count(),
        "people": Person.objects.filter(owner=user).count(),
        "person_merges": PersonMerge.objects.filter(owner=user).count(),
    }


def delete_face_data(user) -> dict[str, int]:
    """Everything biometric of one user: faces (with embeddings and crops), people and the
    merge history."""
    counts = face_data_counts(user)
    faces = Face.objects.filter(owner=user)
    crops = list(faces.exclude(crop="").values_list("crop", flat=True))
    PersonMerge.objects.filter(owner=user).delete()
    Person.objects.filter(owner=user).update(cover_face=None)
    faces.delete()
    Person.objects.filter(owner=user).delete()
    delete_files_on_commit(crops)
    return counts


DELETE_CHUNK = 500


def photo_files(rows) -> list[str]:
    return [name for row in rows for name in row if name]


def delete_photos(owner, photos) -> int:
    """Delete `owner`'s photos in `photos` and everything derived from them.

    Rows (faces, tags, themes, steps, suggestion links) cascade in the database; the files
    (original, derivatives, poster, face crops) are removed after commit, so a rollback
    never leaves a row pointing at a deleted file. The apps above hear `photos_deleting`
    first (suggestions drops the images rendered from these photos). Returns the number of
    photos deleted. Safe for very large selections: works in chunks.
    """
    ids = list(photos.filter(owner=owner).values_list("pk", flat=True))
    files: list[str] = []
    for start in range(0, len(ids), DELETE_CHUNK):
        chunk = ids[start : start + DELETE_CHUNK]
        with transaction.atomic():
            selected = Photo.objects.filter(owner=owner, pk__in=chunk)
            files.extend(
                photo_files(selected.values_list("original", "thumbnail", "preview", "poster"))
            )
            faces = Face.objects.filter(photo__in=chunk)
            files.extend(faces.exclude(crop="").values_list("crop", flat=True))
            people = set(faces.exclude(person=None).values_list("person_id", flat=True))
            photos_deleting.send(sender=Photo, user=owner, photo_ids=chunk)
            selected.delete()
            if people:
                recount_faces(people)
            delete_files_on_commit(files)
            files.clear()
    return len(ids)


def recount_faces(person_ids) -> None:
    """Each person's face count, without the faces of photos in the trash."""
    if not person_ids:
        return
    counts = (
        Face.objects.filter(person=OuterRef("pk"), photo__trashed_at__isnull=True)
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Person.objects.filter(pk__in=person_ids).update(face_count=Coalesce(Subquery(counts), 0))

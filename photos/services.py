"""Photo verbs that change several rows. Filled in by the library and analysis work."""

from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from photos.models import Face, Person, PersonMerge, Photo
from photos.signals import photos_deleting
from privacy import consent, export, records
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
            # First the owner lock: a job storing what it derived from these photos
            # (privacy.derived) either committed before, or finds them gone.
            consent.lock_owner(owner.pk)
            selected = Photo.objects.filter(owner=owner, pk__in=chunk)
            files.extend(
                photo_files(selected.values_list("original", "thumbnail", "preview", "poster"))
            )
            faces = Face.objects.filter(photo__in=chunk)
            files.extend(faces.exclude(crop="").values_list("crop", flat=True))
            people = set(faces.exclude(person=None).values_list("person_id", flat=True))
            photos_deleting.send(sender=Photo, user=owner, photo_ids=chunk)
            forget_copies(owner, selected)
            selected.delete()
            if people:
                recount_faces(people)
            delete_files_on_commit(files)
            files.clear()
    return len(ids)


def forget_copies(owner, selected) -> None:
    """The copies privacy keeps of photos being deleted go with them: the export ZIPs that
    may hold them (built after the first was uploaded, and before the last went to the
    trash if all are there: a new export leaves the trash out), and their file names and
    findings in the "what was analysed" log."""
    span = selected.aggregate(
        uploaded=Min("uploaded_at"),
        trashed=Max("trashed_at"),
        live=Count("pk", filter=Q(trashed_at=None)),
    )
    if span["uploaded"] is None:
        return
    export.discard(
        owner,
        "Deleted with a photo it held: request a new export.",
        built_after=span["uploaded"],
        started_before=None if span["live"] else span["trashed"],
    )
    records.forget_photos(owner, selected.values_list("pk", flat=True))


def recount_faces(person_ids) -> None:
    """Each person's face count and cover, without the faces of photos in the trash: a
    photo in the trash is on no page, a person's cover included (people.refresh's choice:
    a clear face of the person's pack first, then the most confident and largest)."""
    if not person_ids:
        return
    live = Face.objects.filter(person=OuterRef("pk"), photo__trashed_at__isnull=True)
    counts = live.order_by().values("person").annotate(n=Count("pk")).values("n")
    Person.objects.filter(pk__in=person_ids).update(face_count=Coalesce(Subquery(counts), 0))
    people = list(Person.objects.filter(pk__in=person_ids).only("pk", "pack", "cover_face"))
    packs = {p.pk: p.pack for p in people}
    best: dict[int, tuple] = {}
    for person_id, pk, clear, pack, score, x1, y1, x2, y2 in Face.objects.filter(
        person__in=list(packs), photo__trashed_at__isnull=True
    ).values_list("person_id", "pk", "clear", "pack", "det_score", "x1", "y1", "x2", "y2"):
        rank = (clear and pack == packs[person_id], score * (x2 - x1) * (y2 - y1), -pk)
        if person_id not in best or rank > best[person_id][0]:
            best[person_id] = (rank, pk)
    changed = []
    for person in people:
        cover = best[person.pk][1] if person.pk in best else None
        if person.cover_face_id != cover:
            person.cover_face_id = cover
            changed.append(person)
    Person.objects.bulk_update(changed, ["cover_face"])

"""People: grouping faces into persons, and the verbs a user applies to them.

Faces are only ever compared with faces of the same owner and the same pack (the
recogniser that made the embedding). A face the user put on a person by hand is never
moved; a face the user took off a person ("not this person") never joins it again.
"""

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from photos.lib import face_quality
from photos.lib import faces as face_maths
from photos.models import Face, FaceRejection, Person, PersonMerge, Photo
from privacy import consent, export, records, registry
from privacy.files import delete_files_on_commit
from privacy.models import Outcome, Scope


class PeopleError(ValueError):
    """A verb refused, with the message shown to the user and the HTTP status that says
    why: 400 for a request that can never work, 404 for a person (or merge) that is gone,
    409 for one whose state changed (by another request) so that it no longer applies."""

    def __init__(self, message: str, code: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status


GONE = "This person is no longer there: they were merged or forgotten meanwhile."


def _lock_people(owner_id, pks) -> dict[int, Person]:
    """Lock the owner's people `pks` for the rest of the transaction, in id order (so two
    verbs on the same two people, in either direction, queue instead of deadlocking), and
    return those that still exist. Read after the lock: a verb that waited sees what the
    one before it left. The owner lock comes first (privacy.consent.lock_owner, the lock
    every deletion and every derived-file writer takes): a generation run storing a card
    that shows one of them either committed before, and its card is seen here, or waits
    and finds the person gone."""
    consent.lock_owner(owner_id)
    rows = (
        Person.objects.select_for_update()
        .filter(owner_id=owner_id, pk__in=sorted(set(pks)))
        .order_by("pk")
    )
    return {person.pk: person for person in rows}


def _locked(person: Person) -> Person:
    found = _lock_people(person.owner_id, [person.pk]).get(person.pk)
    if found is None:
        raise PeopleError(GONE, "gone", 404)
    return found


def limits() -> face_quality.Thresholds:
    return face_quality.Thresholds(
        min_size=settings.FACE_CLEAR_MIN_SIZE,
        min_score=settings.FACE_CLEAR_MIN_SCORE,
        max_yaw=settings.FACE_CLEAR_MAX_YAW,
        min_sharpness=settings.FACE_CLEAR_MIN_SHARPNESS,
        min_norm=settings.FACE_CLEAR_MIN_NORM,
    )


def measure(face: Face, detected) -> Face:
    """Store a detected face's quality measures and whether it is clear enough to group."""
    face.sharpness = None if detected.sharpness is None else round(detected.sharpness, 1)
    face.embedding_norm = None if detected.norm is None else round(detected.norm, 3)
    if face.unrecognised:
        return _unrecognise(face)
    face.clear = not face_quality.unclear_reasons(
        box=face.box,
        score=face.det_score,
        landmarks=face.landmarks,
        sharp=face.sharpness,
        norm=face.embedding_norm,
        limits=limits(),
    )
    return face


QUALITY_FIELDS = ["clear", "sharpness", "embedding_norm", "embedding"]


def _unrecognise(face: Face) -> Face:
    """A forgotten person's face, kept on its photo: no embedding and no crop, ever again
    (forget() set it so; re-analysis and a pack change keep it so)."""
    face.unrecognised, face.clear = True, False
    face.embedding, face.embedding_norm = b"", None
    face.crop = ""
    return face


def _rejections(face_ids) -> dict[int, set[int]]:
    rejected = defaultdict(set)
    for face_id, person_id in FaceRejection.objects.filter(face_id__in=face_ids).values_list(
        "face_id", "person_id"
    ):
        rejected[face_id].add(person_id)
    return rejected


def _local_dates(photo_ids) -> dict[int, date]:
    """The day each photo was taken where it was taken (when the offset is known)."""
    days = {}
    for pk, taken_at, offset in Photo.objects.filter(pk__in=photo_ids).values_list(
        "pk", "taken_at", "taken_at_offset"
    ):
        days[pk] = (taken_at + timedelta(minutes=offset or 0)).date()
    return days


def _occupied(photo_ids) -> dict[tuple, set[int]]:
    """(photo, frame) -> the people who already have a face there (the cannot-link rule)."""
    taken = defaultdict(set)
    for photo_id, frame_time, person_id in (
        Face.objects.filter(photo_id__in=photo_ids)
        .exclude(person=None)
        .values_list("photo_id", "frame_time", "person_id")
    ):
        taken[(photo_id, frame_time)].add(person_id)
    return taken


def assign_new_faces(owner_id, pack: str, faces: list[Face]) -> int:
    """Put each clear face on the nearest person of the same owner and pack, if close enough.

    A face never joins a person who already has a face in its photo (it takes the next
    nearest person, or nobody), one it was taken off ("not this person"), nor one born after
    the photo was taken. Centroids are updated as faces join, so a burst of one person's
    photos keeps matching. Returns how many faces joined somebody."""
    faces = [
        f
        for f in faces
        if f.person_id is None
        and not f.assigned_by_user
        and f.clear
        and not f.not_a_face
        and not f.unrecognised
    ]
    if not faces:
        return 0
    persons = list(
        Person.objects.filter(owner_id=owner_id, pack=pack)
        .exclude(centroid=None)
        .only("pk", "centroid", "face_count", "birthday")
    )
    if not persons:
        return 0
    centroids = np.vstack([face_maths.from_bytes(p.centroid) for p in persons])
    counts = np.array([max(p.face_count, 1) for p in persons], dtype=np.float32)
    index_of = {p.pk: i for i, p in enumerate(persons)}
    rejected = _rejections([f.pk for f in faces])
    photo_ids = {f.photo_id for f in faces}
    occupied = _occupied(photo_ids)
    born = [(i, p.birthday) for i, p in enumerate(persons) if p.birthday is not None]
    days = _local_dates(photo_ids) if born else {}
    vectors = {f.pk: face_maths.from_bytes(f.embedding) for f in faces}
    faces = [f for f in faces if vectors[f.pk].shape[0] == centroids.shape[1]]
    if len(faces) > 1:
        # The closest faces choose first: of two faces of one photo near the same person,
        # the better match gets them and the other takes its next candidate.
        best = (
            1.0
            - face_maths.normalise(np.vstack([vectors[f.pk] for f in faces]))
            @ (face_maths.normalise(centroids).T)
        ).min(axis=1)
        faces = [faces[i] for i in np.argsort(best, kind="stable")]
    changed, touched = [], set()
    for face in faces:
        vector = vectors[face.pk]
        blocked = set(rejected.get(face.pk, ())) | occupied[(face.photo_id, face.frame_time)]
        excluded = [index_of[p] for p in blocked if p in index_of]
        day = days.get(face.photo_id)
        excluded += [i for i, birthday in born if day is not None and day < birthday]
        best = face_maths.nearest(centroids, vector, settings.FACE_MATCH_DISTANCE, excluded)
        if best is None:
            continue
        face.person_id = persons[best].pk
        occupied[(face.photo_id, face.frame_time)].add(face.person_id)
        changed.append(face)
        touched.add(best)
        # Running mean, so the next face of this batch sees the updated person.
        centroids[best] = (centroids[best] * counts[best] + vector) / (counts[best] + 1)
        counts[best] += 1
    if changed:
        Face.objects.bulk_update(changed, ["person"])
        for index in touched:
            person = persons[index]
            person.centroid = face_maths.to_bytes(face_maths.normalise(centroids[index]))
        refresh({persons[i].pk for i in touched}, centroids=False)
        Person.objects.bulk_update([persons[i] for i in touched], ["centroid"])
    return len(changed)


def refresh(person_ids, *, centroids: bool = True) -> None:
    """Recount faces, recompute centroids and covers; remove people left with nothing.

    The centroid and cover come from the person's clear faces of the person's own pack
    (faces of an earlier pack wait to be made again; unclear ones would blur the match)."""
    person_ids = {pk for pk in person_ids if pk}
    if not person_ids:
        return
    persons = list(Person.objects.filter(pk__in=person_ids))
    packs = {p.pk: p.pack for p in persons}
    rows = defaultdict(list)
    for person_id, pk, embedding, score, x1, y1, x2, y2, clear, pack in Face.objects.filter(
        person_id__in=person_ids
    ).values_list(
        "person_id", "pk", "embedding", "det_score", "x1", "y1", "x2", "y2", "clear", "pack"
    ):
        usable = clear and pack == packs.get(person_id)
        rows[person_id].append((pk, embedding, (usable, score * (x2 - x1) * (y2 - y1)), usable))
    empty = []
    for person in persons:
        members = rows.get(person.pk, [])
        if not members and not person.name and person.birthday is None:
            empty.append(person.pk)
            continue
        person.face_count = len(members)
        # The cover is the clearest, largest face.
        person.cover_face_id = max(members, key=lambda m: m[2])[0] if members else None
        if centroids:
            usable = [m[1] for m in members if m[3]]
            person.centroid = (
                face_maths.to_bytes(face_maths.mean(face_maths.stack(usable))) if usable else None
            )
    fields = ["face_count", "cover_face"] + (["centroid"] if centroids else [])
    Person.objects.bulk_update([p for p in persons if p.pk not in empty], fields)
    if empty:
        Person.objects.filter(pk__in=empty).delete()


@transaction.atomic
def cluster_user(user) -> dict[str, int]:
    """The beat job for one user: clear faces that joined nobody are matched again (people
    may have appeared since) and the rest are grouped by DBSCAN into new people, under the
    cannot-link rule (never two faces of one photo, never a person from one photo)."""
    result = {"assigned": 0, "people": 0}
    loose_faces = Face.objects.filter(owner=user, person=None).groupable()
    packs = loose_faces.order_by().values_list("pack", flat=True).distinct()
    for pack in list(packs):
        loose = list(loose_faces.filter(pack=pack))
        result["assigned"] += assign_new_faces(user.pk, pack, loose)
        loose = [f for f in loose if f.person_id is None]
        if not loose:
            continue
        dims = {len(face_maths.from_bytes(f.embedding)) for f in loose}
        if len(dims) != 1:
            continue
        labels = face_maths.cluster_constrained(
            face_maths.stack(f.embedding for f in loose),
            eps=settings.FACE_CLUSTER_EPS,
            min_samples=settings.PERSON_MIN_FACES,
            keys=[(f.photo_id, f.frame_time) for f in loose],
            sources=[f.photo_id for f in loose],
        )
        groups = defaultdict(list)
        for face, label in zip(loose, labels, strict=True):
            if label >= 0:
                groups[int(label)].append(face)
        for members in groups.values():
            person = Person.objects.create(owner=user, pack=pack)
            Face.objects.filter(pk__in=[f.pk for f in members]).update(person=person)
            refresh({person.pk})
            result["people"] += 1
    return result


def carry_corrections(gone: list[Face], made: list[Face]) -> None:
    """Faces made again (re-analysis, another face pack) keep what the user said about the
    face they replace: same photo and frame, boxes overlapping by more than half. "Not a
    face", "not this person", a hand assignment and a confirmed person's faces carry over;
    a confirmed person moves to the new pack with its first face made by it."""
    if not gone or not made:
        return
    confirmed = set(
        Person.objects.filter(
            pk__in={f.person_id for f in gone if f.person_id}, confirmed=True
        ).values_list("pk", flat=True)
    )
    rejected = _rejections([f.pk for f in gone])
    changed, rejections, moved = [], [], {}
    free = list(gone)
    for face in made:
        old = max(
            (f for f in free if f.frame_time == face.frame_time),
            key=lambda f: face_maths.iou(f.box, face.box),
            default=None,
        )
        if old is None or face_maths.iou(old.box, face.box) <= 0.5:
            continue
        free.remove(old)
        if old.not_a_face:
            face.not_a_face = True
        elif old.unrecognised:
            _unrecognise(face)
        elif old.person_id and (old.assigned_by_user or old.person_id in confirmed):
            face.person_id = old.person_id
            face.assigned_by_user = old.assigned_by_user
            moved[old.person_id] = face.pack
        rejections += [FaceRejection(face=face, person_id=pk) for pk in rejected.get(old.pk, ())]
        changed.append(face)
    if changed:
        Face.objects.bulk_update(
            changed,
            ["not_a_face", "person", "assigned_by_user", "unrecognised", "crop", *QUALITY_FIELDS],
        )
    FaceRejection.objects.bulk_create(rejections, ignore_conflicts=True)
    for person_id, pack in moved.items():
        Person.objects.filter(pk=person_id).exclude(pack=pack).update(pack=pack, centroid=None)
    refresh(set(moved))


def cluster_all() -> dict[str, int]:
    """Every user with faces that joined nobody (and face analysis still granted)."""
    totals = {"users": 0, "assigned": 0, "people": 0}
    user_ids = Face.objects.filter(person=None).order_by().values_list("owner_id", flat=True)
    for user in get_user_model().objects.filter(pk__in=user_ids.distinct()):
        if not consent.allows(user, Scope.FACE_ANALYSIS):
            continue
        done = cluster_user(user)
        totals["users"] += 1
        totals["assigned"] += done["assigned"]
        totals["people"] += done["people"]
    return totals


# --- The user's verbs -----------------------------------------------------------------


def people_with_counts(user):
    """Owner's people with photo_count, cover face joined (one query for the list)."""
    return with_photo_counts(
        Person.objects.for_owner(user).select_related("cover_face")  # the cover crop, same query
    )


def with_photo_counts(people):
    """`people` annotated with photo_count, each count a subquery that reads only the
    (person, photo) index of its own faces. A join with GROUP BY instead sorted every face
    of the owner with the person's columns: 30 s for the people page at 200,000 faces
    (bench/RESULTS-library.md)."""
    counts = (
        Face.objects.filter(person=OuterRef("pk"), photo__trashed_at__isnull=True)
        .order_by()
        .values("person")
        .annotate(n=Count("photo_id", distinct=True))
        .values("n")
    )
    return people.annotate(photo_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0))


def listed(user):
    """The People page: visible people, named first, then by how many photos they are in."""
    return people_with_counts(user).visible().listed()


def menu(user) -> list[Person]:
    """The photo page's "this is" menu: the visible people with their cover crop."""
    return list(listed(user))


def merge_history(user, limit: int = 20):
    return PersonMerge.objects.filter(owner=user).select_related("into")[:limit]


def _evict_before_birthday(person: Person) -> int:
    """Faces matched automatically in photos taken before the birthday leave the person."""
    if person.birthday is None:
        return 0
    faces = list(person.faces.filter(assigned_by_user=False).only("pk", "photo_id"))
    days = _local_dates({f.photo_id for f in faces})
    early = [f.pk for f in faces if days.get(f.photo_id, person.birthday) < person.birthday]
    if early:
        Face.objects.filter(pk__in=early).update(person=None)
    return len(early)


@transaction.atomic
def update_person(person: Person, **fields) -> Person:
    allowed = {"name", "birthday", "hidden"}
    for key, value in fields.items():
        if key not in allowed:
            raise PeopleError(f"{key} cannot be changed.", "invalid")
        setattr(person, key, value)
    if "name" in fields:
        person.name = (person.name or "").strip()[:100]
    person.confirmed = True
    person.save(update_fields=[*fields, "confirmed"])
    if "birthday" in fields and _evict_before_birthday(person):
        refresh({person.pk})
        person.refresh_from_db()
    return person


def shared_photos(source: Person, into: Person) -> list[int]:
    """The photos in which both people have a face (the same frame, for a video): merging
    them would put two faces of one photo on one person, which the people rules forbid."""
    theirs = set(Face.objects.filter(person=source).values_list("photo_id", "frame_time"))
    return sorted(
        {
            photo_id
            for photo_id, frame in Face.objects.filter(person=into).values_list(
                "photo_id", "frame_time"
            )
            if (photo_id, frame) in theirs
        }
    )


def same_photo_refusal(source: Person, into: Person, photo_ids) -> str:
    n = len(photo_ids)
    return (
        f"{source} and {into} are both in {n} photo{'s' if n != 1 else ''}, and one photo "
        "shows a person once, so they are not merged. If they are the same person, one of "
        "the two faces in each of those photos is someone else: take it off "
        '("not this person") first.'
    )


def merge_preview(source: Person, into: Person) -> dict:
    """What a merge would do, shown before it (page and API): how many faces move, and
    whether it is refused because the two share photos (and which)."""
    shared = shared_photos(source, into) if source.pk != into.pk else []
    return {
        "faces": source.faces.count(),
        "shared_photo_ids": shared,
        "allowed": not shared and source.pk != into.pk and source.pack == into.pack,
        "refusal": same_photo_refusal(source, into, shared) if shared else "",
    }


@transaction.atomic
def merge(source: Person, into: Person) -> Person:
    """All of `source`'s faces join `into`; `source` is removed. Same owner and pack only,
    and never two people who share a photo (refused: which face is wrong is the user's to
    say). The merge is recorded (PersonMerge) so that the user can see and undo it.

    Both people are locked first, in id order, and read again: of two merges of the same
    pair at once (either direction), or a merge and a forget, the second finds a person
    gone and is refused (404), instead of moving faces to a deleted person."""
    if source.pk == into.pk:
        raise PeopleError("A person cannot be merged into themselves.", "same_person")
    if source.owner_id != into.owner_id:
        raise PeopleError("Person not found.", "not_found", 404)
    locked = _lock_people(into.owner_id, [source.pk, into.pk])
    if len(locked) != 2:
        raise PeopleError(GONE, "gone", 404)
    source, into = locked[source.pk], locked[into.pk]
    if source.pack != into.pack:
        raise PeopleError(
            "These people were recognised by different face models and cannot be merged.",
            "different_pack",
        )
    # Read after the lock, on the faces the merge would move.
    shared = shared_photos(source, into)
    if shared:
        raise PeopleError(same_photo_refusal(source, into, shared), "same_photo", 409)
    record = PersonMerge(
        owner_id=into.owner_id,
        into=into,
        source_name=source.name,
        source_birthday=source.birthday,
        source_hidden=source.hidden,
        into_name=into.name,
        into_birthday=into.birthday,
        face_ids=list(Face.objects.filter(person=source).values_list("pk", flat=True)),
    )
    Face.objects.filter(person=source).update(person=into)
    # Rejections of the merged person now protect the merged-into one.
    already = set(FaceRejection.objects.filter(person=into).values_list("face_id", flat=True))
    FaceRejection.objects.filter(person=source, face_id__in=already).delete()
    record.rejected_face_ids = list(
        FaceRejection.objects.filter(person=source).values_list("face_id", flat=True)
    )
    FaceRejection.objects.filter(person=source).update(person=into)
    # A face rejected from either one must not sit on the merged person.
    rejected = FaceRejection.objects.filter(person=into).values_list("face_id", flat=True)
    Face.objects.filter(person=into, pk__in=list(rejected)).update(
        person=None, assigned_by_user=False
    )
    # Earlier merges into the source now live on in `into` (undoing them restores there),
    # and an undone merge that gave the source back now names someone who is `into`.
    PersonMerge.objects.filter(into=source).update(into=into)
    PersonMerge.objects.filter(source=source).update(source=into)
    if not into.name and source.name:
        into.name = source.name
    if into.birthday is None and source.birthday is not None:
        into.birthday = source.birthday
    into.hidden = into.hidden and source.hidden
    into.confirmed = True
    into.save(update_fields=["name", "birthday", "hidden", "confirmed"])
    record.save()
    source.delete()
    refresh({into.pk})
    into.refresh_from_db()
    return into


@transaction.atomic
def undo_merge(record: PersonMerge) -> Person:
    """The merged-away person comes back with the faces that moved (those still on the
    merged person), their name, birthday and "not this person" marks.

    The merged person is locked before the record (the order merge() takes them in), and
    both are read again under the lock: of two undos at once, the second finds it done."""
    into = _lock_people(record.owner_id, [record.into_id]).get(record.into_id)
    record = (
        PersonMerge.objects.select_for_update().filter(pk=record.pk, owner_id=record.owner_id)
    ).first()
    if record is None or into is None:
        raise PeopleError("This merge is no longer there: its person was forgotten.", "gone", 404)
    if record.undone_at is not None:
        raise PeopleError("This merge was already undone.", "already_undone", 409)
    if record.into_id != into.pk:
        raise PeopleError(
            "This merge changed meanwhile (its person was merged again); try again.",
            "conflict",
            409,
        )
    source = Person.objects.create(
        owner_id=record.owner_id,
        pack=into.pack,
        name=record.source_name,
        birthday=record.source_birthday,
        hidden=record.source_hidden,
        confirmed=True,
    )
    Face.objects.filter(pk__in=record.face_ids, person=into).update(person=source)
    FaceRejection.objects.filter(person=into, face_id__in=record.rejected_face_ids).update(
        person=source
    )
    into.name, into.birthday = record.into_name, record.into_birthday
    into.save(update_fields=["name", "birthday"])
    record.undone_at = timezone.now()
    # The record names the person it gave back: forgetting them deletes it.
    record.source = source
    record.save(update_fields=["undone_at", "source"])
    refresh({into.pk, source.pk})
    source.refresh_from_db()
    return source


@transaction.atomic
def reject_faces(faces: list[Face]) -> int:
    """ "Not this person": each face leaves its person and never joins them again."""
    on_someone = [f for f in faces if f.person_id is not None]
    FaceRejection.objects.bulk_create(
        [FaceRejection(face=f, person_id=f.person_id) for f in on_someone],
        ignore_conflicts=True,
    )
    persons = {f.person_id for f in on_someone}
    Face.objects.filter(pk__in=[f.pk for f in on_someone]).update(
        person=None, assigned_by_user=False
    )
    Person.objects.filter(pk__in=persons).update(confirmed=True)
    for face in on_someone:
        face.person_id, face.assigned_by_user = None, False
    refresh(persons)
    return len(on_someone)


def reject_face(face: Face) -> None:
    if face.person_id is None:
        raise PeopleError("This face is not on anybody.", "no_person")
    reject_faces([face])


@transaction.atomic
def dismiss_faces(faces: list[Face]) -> int:
    """ "Not a face": a false detection (a dog, a pattern) is hidden everywhere and never
    grouped; the mark survives re-analysis and a face pack change."""
    persons = {f.person_id for f in faces if f.person_id}
    Face.objects.filter(pk__in=[f.pk for f in faces]).update(
        not_a_face=True, person=None, assigned_by_user=False
    )
    refresh(persons)
    return len(faces)


def _same_photo_face(face: Face, person: Person) -> Face | None:
    return (
        Face.objects.filter(person=person, photo_id=face.photo_id, frame_time=face.frame_time)
        .exclude(pk=face.pk)
        .first()
    )


@transaction.atomic
def assign_face(
    face: Face, person: Person | None = None, *, name: str = "", move_other: bool = False
) -> Person:
    """Put a face on a person by hand (or on a new person called `name`).

    A person has one face per photo: if they already have another face in this photo, the
    assignment is refused unless `move_other`, which takes that other face off them (and
    marks it "not this person")."""
    if face.not_a_face:
        raise PeopleError("This was marked as not a face.", "not_a_face")
    if person is None:
        person = Person.objects.create(
            owner_id=face.owner_id, pack=face.pack, name=name[:100], confirmed=True
        )
    elif person.owner_id != face.owner_id:
        raise PeopleError("Person not found.", "not_found")
    elif person.pack != face.pack:
        raise PeopleError(
            "This face was recognised by a different face model than this person's.",
            "different_pack",
        )
    other = _same_photo_face(face, person)
    if other is not None:
        if not move_other:
            raise PeopleError(
                f"{person} already has another face in this photo; one photo shows a person "
                "once. Move it here to take that face off them.",
                "same_photo",
            )
        reject_faces([other])
    FaceRejection.objects.filter(face=face, person=person).delete()
    previous = face.person_id
    face.person = person
    face.assigned_by_user = True
    face.save(update_fields=["person", "assigned_by_user"])
    if not person.confirmed:
        person.confirmed = True
        person.save(update_fields=["confirmed"])
    refresh({previous, person.pk})
    person.refresh_from_db()
    return person


# --- Forgetting a person -----------------------------------------------------------------


def _merges_naming(person: Person):
    """The merge records that hold the person's name: merges into them, and undone merges
    that gave them back."""
    return PersonMerge.objects.filter(Q(into=person) | Q(source=person))


def forget_preview(person: Person) -> dict[str, int]:
    """What "forget this person" deletes, counted before the user confirms: the person's
    faces and merge records here, what each app above holds about them (its personal-data
    provider's person_counts), and the export ZIPs, which hold copies of all of it."""
    counts = {
        "faces": person.faces.count(),
        "photos": person.faces.values("photo_id").distinct().count(),
        "merges": _merges_naming(person).count(),
        "suggestions": 0,
        "exports": export.held(person.owner),
    }
    return registry.merge([counts, *(p.person_counts(person) for p in registry.providers())])


@transaction.atomic
def forget(person: Person, *, keep_faces: bool = False) -> dict[str, int]:
    """Delete the person, their name and birthday, every merge record and every row of
    the apps above that names them (their providers' forget_person: suggestions that show
    them), and the export ZIPs built earlier. Their faces' embeddings and crops go too,
    unless `keep_faces`: then the faces stay on their photos as nobody's, never grouped
    again ("unrecognised"). The person is locked first: a merge or a second forget racing
    this one waits, then finds them gone (404)."""
    person = _locked(person)
    counts = forget_preview(person)
    for provider in registry.providers():
        provider.forget_person(person)
    _merges_naming(person).delete()
    faces = list(person.faces.all())
    crops = [f.crop.name for f in faces if f.crop]
    if keep_faces:
        # Kept as unrecognised: the box stays on its photo; embedding and crop go, and the
        # face is never grouped or matched again (re-analysis keeps it so).
        Face.objects.filter(pk__in=[f.pk for f in faces]).update(
            person=None,
            assigned_by_user=False,
            clear=False,
            unrecognised=True,
            embedding=b"",
            embedding_norm=None,
            crop="",
        )
    else:
        Face.objects.filter(pk__in=[f.pk for f in faces]).delete()
    delete_files_on_commit(crops)
    person.delete()
    # faces.json and people.json of an export built earlier hold the person.
    export.discard(person.owner, "Deleted with the person it held (a person was forgotten).")
    counts["kept_faces"] = len(faces) if keep_faces else 0
    # The log (and so the export) says that a person was forgotten and when; not who.
    records.record_step(
        person.owner,
        None,
        "person_forgotten",
        outcome=Outcome.DONE,
        summary=(
            f"A person was forgotten: {counts['faces']} faces "
            + ("kept as unrecognised" if keep_faces else "with their embeddings and crops")
            + f", {counts['suggestions']} suggestions deleted."
        ),
        details=counts,
    )
    return counts

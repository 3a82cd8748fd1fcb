"""People: grouping faces into persons, and the verbs a user applies to them.

Faces are only ever compared with faces of the same owner and the same pack (the
recogniser that made the embedding). A face the user put on a person by hand is never
moved; a face the user took off a person ("not this person") never joins it again.
"""

from collections import defaultdict

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from photos.lib import faces as face_maths
from photos.models import Face, FaceRejection, Person
from privacy import consent
from privacy.models import Scope


class PeopleError(ValueError):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def _rejections(face_ids) -> dict[int, set[int]]:
    rejected = defaultdict(set)
    for face_id, person_id in FaceRejection.objects.filter(face_id__in=face_ids).values_list(
        "face_id", "person_id"
    ):
        rejected[face_id].add(person_id)
    return rejected


def assign_new_faces(owner_id, pack: str, faces: list[Face]) -> int:
    """Put each face on the nearest person of the same owner and pack, if close enough.

    Centroids are updated as faces join, so a burst of one person's photos keeps matching.
    Returns how many faces joined somebody."""
    faces = [f for f in faces if f.person_id is None and not f.assigned_by_user]
    if not faces:
        return 0
    persons = list(
        Person.objects.filter(owner_id=owner_id, pack=pack)
        .exclude(centroid=None)
        .only("pk", "centroid", "face_count")
    )
    if not persons:
        return 0
    centroids = np.vstack([face_maths.from_bytes(p.centroid) for p in persons])
    counts = np.array([max(p.face_count, 1) for p in persons], dtype=np.float32)
    index_of = {p.pk: i for i, p in enumerate(persons)}
    rejected = _rejections([f.pk for f in faces])
    changed, touched = [], set()
    for face in faces:
        vector = face_maths.from_bytes(face.embedding)
        if vector.shape[0] != centroids.shape[1]:
            continue  # a different recogniser under the same pack name: never compared
        excluded = [index_of[p] for p in rejected.get(face.pk, ()) if p in index_of]
        best = face_maths.nearest(centroids, vector, settings.FACE_MATCH_DISTANCE, excluded)
        if best is None:
            continue
        face.person_id = persons[best].pk
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
    """Recount faces, recompute centroids and covers; remove people left with nothing."""
    person_ids = {pk for pk in person_ids if pk}
    if not person_ids:
        return
    rows = defaultdict(list)
    for person_id, pk, embedding, score, x1, y1, x2, y2 in Face.objects.filter(
        person_id__in=person_ids
    ).values_list("person_id", "pk", "embedding", "det_score", "x1", "y1", "x2", "y2"):
        rows[person_id].append((pk, embedding, score * (x2 - x1) * (y2 - y1)))
    persons = list(Person.objects.filter(pk__in=person_ids))
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
            person.centroid = (
                face_maths.to_bytes(face_maths.mean(face_maths.stack(m[1] for m in members)))
                if members
                else None
            )
    fields = ["face_count", "cover_face"] + (["centroid"] if centroids else [])
    Person.objects.bulk_update([p for p in persons if p.pk not in empty], fields)
    if empty:
        Person.objects.filter(pk__in=empty).delete()


@transaction.atomic
def cluster_user(user) -> dict[str, int]:
    """The beat job for one user: faces that joined nobody are matched again (people may
    have appeared since) and the rest are grouped by DBSCAN into new people."""
    result = {"assigned": 0, "people": 0}
    packs = (
        Face.objects.filter(owner=user, person=None)
        .order_by()
        .values_list("pack", flat=True)
        .distinct()
    )
    for pack in list(packs):
        loose = list(Face.objects.filter(owner=user, pack=pack, person=None))
        result["assigned"] += assign_new_faces(user.pk, pack, loose)
        loose = [f for f in loose if f.person_id is None]
        if not loose:
            continue
        dims = {len(face_maths.from_bytes(f.embedding)) for f in loose}
        if len(dims) != 1:
            continue
        labels = face_maths.cluster(
            face_maths.stack(f.embedding for f in loose),
            eps=settings.FACE_CLUSTER_EPS,
            min_samples=settings.PERSON_MIN_FACES,
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
        Face.objects.filter(person=OuterRef("pk"))
        .order_by()
        .values("person")
        .annotate(n=Count("photo_id", distinct=True))
        .values("n")
    )
    return people.annotate(photo_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0))


@transaction.atomic
def update_person(person: Person, **fields) -> Person:
    allowed = {"name", "birthday", "hidden"}
    for key, value in fields.items():
        if key not in allowed:
            raise PeopleError(f"{key} cannot be changed.", "invalid")
        setattr(person, key, value)
    if "name" in fields:
        person.name = (person.name or "").strip()[:100]
    person.save(update_fields=list(fields))
    return person


@transaction.atomic
def merge(source: Person, into: Person) -> Person:
    """All of `source`'s faces join `into`; `source` is removed. Same owner and pack only."""
    if source.pk == into.pk:
        raise PeopleError("A person cannot be merged into themselves.", "same_person")
    if source.owner_id != into.owner_id:
        raise PeopleError("Person not found.", "not_found")
    if source.pack != into.pack:
        raise PeopleError(
            "These people were recognised by different face models and cannot be merged.",
            "different_pack",
        )
    Face.objects.filter(person=source).update(person=into)
    # Rejections of the merged person now protect the merged-into one.
    already = set(FaceRejection.objects.filter(person=into).values_list("face_id", flat=True))
    FaceRejection.objects.filter(person=source, face_id__in=already).delete()
    FaceRejection.objects.filter(person=source).update(person=into)
    # A face rejected from either one must not sit on the merged person.
    rejected = FaceRejection.objects.filter(person=into).values_list("face_id", flat=True)
    Face.objects.filter(person=into, pk__in=list(rejected)).update(
        person=None, assigned_by_user=False
    )
    if not into.name and source.name:
        into.name = source.name
    if into.birthday is None and source.birthday is not None:
        into.birthday = source.birthday
    into.hidden = into.hidden and source.hidden
    into.save(update_fields=["name", "birthday", "hidden"])
    source.delete()
    refresh({into.pk})
    into.refresh_from_db()
    return into


@transaction.atomic
def reject_face(face: Face) -> None:
    """ "Not this person": the face leaves its person and never joins it again."""
    if face.person_id is None:
        raise PeopleError("This face is not on anybody.", "no_person")
    person_id = face.person_id
    FaceRejection.objects.get_or_create(face=face, person_id=person_id)
    face.person = None
    face.assigned_by_user = False
    face.save(update_fields=["person", "assigned_by_user"])
    refresh({person_id})


@transaction.atomic
def assign_face(face: Face, person: Person | None = None, *, name: str = "") -> Person:
    """Put a face on a person by hand (or on a new person called `name`)."""
    if person is None:
        person = Person.objects.create(owner_id=face.owner_id, pack=face.pack, name=name[:100])
    elif person.owner_id != face.owner_id:
        raise PeopleError("Person not found.", "not_found")
    elif person.pack != face.pack:
        raise PeopleError(
            "This face was recognised by a different face model than this person's.",
            "different_pack",
        )
    FaceRejection.objects.filter(face=face, person=person).delete()
    previous = face.person_id
    face.person = person
    face.assigned_by_user = True
    face.save(update_fields=["person", "assigned_by_user"])
    refresh({previous, person.pk})
    person.refresh_from_db()
    return person

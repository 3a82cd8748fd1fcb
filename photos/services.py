"""Photo verbs that change several rows. Filled in by the library and analysis work."""

from django.db import transaction

from photos.models import Face, Person


@transaction.atomic
def delete_face_data(user) -> dict[str, int]:
    """Everything biometric of one user: faces (with embeddings and crops) and people."""
    faces = Face.objects.filter(owner=user)
    crops = list(faces.exclude(crop="").values_list("crop", flat=True))
    face_count = faces.count()
    people_count = Person.objects.filter(owner=user).count()
    Person.objects.filter(owner=user).update(cover_face=None)
    faces.delete()
    Person.objects.filter(owner=user).delete()
    if crops:
        from django.core.files.storage import default_storage

        transaction.on_commit(lambda: [default_storage.delete(name) for name in crops])
    return {"faces": face_count, "embeddings": face_count, "people": people_count}

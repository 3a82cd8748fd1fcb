"""Fixtures for the privacy tests: photos with real files and analysis output."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from photos.models import Face, Person, Photo, PhotoText, PhotoTheme, Tag
from privacy.models import Outcome, ProcessingRecord
from suggestions.models import Album, Suggestion, SuggestionPhoto
from tests.broker import broker_down  # noqa: F401 (a fixture for the broker-down tests)
from tests.factories import make_photo

PORTRAITS = [
    "people/obama/obama_1.jpg",
    "people/biden/biden_1.jpg",
    "people/groups/biden_and_obama.jpg",
    "scenes/ibm_dog.jpg",
]


@pytest.fixture
def make_analysed(photos_dir):
    """`make_analysed(user, n)`: n real photos, each with a face (on one person), a tag, a
    theme, a line of text read in it, a processing record per step, and one suggestion and
    album over all of them."""

    def make(user, n=2, *, pack="buffalo_l"):
        rng = np.random.default_rng(user.pk)
        person = Person.objects.create(owner=user, name=f"Friend of {user}", pack=pack)
        photos = []
        base = timezone.now() - timedelta(days=3)
        for i in range(n):
            photo = make_photo(user, photos_dir / PORTRAITS[i % len(PORTRAITS)], taken_at=base)
            base += timedelta(minutes=1)
            vector = rng.standard_normal(512).astype("float32")
            vector /= np.linalg.norm(vector)
            Face.objects.create(
                owner=user,
                photo=photo,
                person=person,
                x1=10 + i,
                y1=20,
                x2=110,
                y2=140,
                det_score=0.9,
                embedding=vector.tobytes(),
                pack=pack,
                dim=512,
            )
            Tag.objects.create(photo=photo, label="seashore", score=0.73, model_name="mobilenetv2")
            PhotoTheme.objects.create(photo=photo, owner=user, theme="beach", score=0.73)
            PhotoText.objects.create(
                photo=photo,
                owner=user,
                position=0,
                text="Café Lisboa 42",
                folded=" cafe lisboa 42 ",
                box=[[0.1, 0.1], [0.5, 0.1], [0.5, 0.2], [0.1, 0.2]],
                score=0.96,
                model_name="PP-OCRv6 small (rapidocr)",
            )
            for step in ("faces", "scenes"):
                ProcessingRecord.objects.create(
                    user=user,
                    photo_ref=photo.pk,
                    photo_name=photo.original_name,
                    step=step,
                    model_name=pack if step == "faces" else "mobilenetv2-12-int8",
                    started_at=timezone.now(),
                    finished_at=timezone.now(),
                    outcome=Outcome.DONE,
                    summary="1 face detected, 1 embedding stored"
                    if step == "faces"
                    else "tags: seashore 0.73",
                )
            photos.append(photo)
        person.face_count = n
        person.save(update_fields=["face_count"])
        suggestion = Suggestion.objects.create(
            owner=user, kind="collage", key=f"k{user.pk}", title="Beach days", uses_faces=True
        )
        for pos, photo in enumerate(photos):
            SuggestionPhoto.objects.create(suggestion=suggestion, photo=photo, position=pos)
        album = Album.objects.create(owner=user, title="Saved beach", suggestion=suggestion)
        album.photos.set(photos)
        return photos

    return make


def bulk_photos(user, template: Photo, n: int) -> None:
    """n more Photo rows sharing one real file: for tests about row counts, not pixels."""
    Photo.objects.bulk_create(
        [
            Photo(
                owner=user,
                sha256=f"{i:064x}",
                original=template.original.name,
                original_name=f"bulk_{i}.jpg",
                extension="jpg",
                content_type="image/jpeg",
                file_size=template.file_size,
                width=template.width,
                height=template.height,
                taken_at=template.taken_at - timedelta(minutes=i),
                taken_at_source=template.taken_at_source,
            )
            for i in range(1, n + 1)
        ]
    )

"""With the real analysis pipeline: the faces it stores (insightface, ../shared/models) keep
their place in collages and drive the portrait effect."""

from datetime import timedelta

import pytest
from django.utils import timezone

from photos import tasks as photo_tasks
from photos.models import AnalysisStatus, Face
from privacy.models import Scope
from suggestions import services
from suggestions.lib import layout
from suggestions.models import Kind, Suggestion
from tests.factories import make_photo

pytestmark = pytest.mark.django_db

GROUP_PHOTOS = (
    "scenes/insightface_t1.jpg",
    "people/groups/biden_and_obama.jpg",
    "people/obama/obama_2.jpg",
    "people/rose_leslie/rose_1.jpg",
)


def test_collages_and_portraits_use_the_faces_the_pipeline_stored(alice, grant, photos_dir):
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    start = timezone.now() - timedelta(days=2)
    for i, name in enumerate(GROUP_PHOTOS):
        photo = make_photo(
            alice,
            photos_dir / name,
            taken_at=start + timedelta(minutes=i),
            status=AnalysisStatus.PENDING,
        )
        photo_tasks.analyse_photo(photo.pk)
        photo.refresh_from_db()
        assert photo.analysis_status == AnalysisStatus.DONE
    assert Face.objects.filter(owner=alice).count() >= 9  # 6 + 2 + 1 + 1

    services.generate(alice, kinds=["collage", "effect"])
    (collage,) = Suggestion.objects.filter(owner=alice, kind=Kind.COLLAGE)
    assert collage.uses_faces
    checked = 0
    for item in collage.explanation["layout"]:
        cell = layout.Cell(*item["cell"])
        for face in Face.objects.filter(photo_id=item["photo_id"]):
            mapped = layout.map_box(tuple(face.box), tuple(item["crop"]), cell)
            assert layout.inside(mapped, cell), (item, face.box)
            checked += 1
    assert checked == Face.objects.filter(owner=alice).count()
    portraits = Suggestion.objects.filter(owner=alice, key__startswith="effect:portrait:")
    assert portraits.exists()
    assert all(s.uses_faces for s in portraits)

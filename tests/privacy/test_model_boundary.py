"""Nothing is analysed without consent, checked where it matters most: at the models.

The real face and scene models' inference methods are wrapped to record each call, and the
real runner analyses photos of owners with different grants. A model that ran on a photo
whose owner had not granted the scope is a failure, even if nothing was stored afterwards
(the store-time check alone would hide that). test_enforcement.py checks the same
invariant on a stand-in; this file holds the pipeline itself to it."""

import pytest
from django.utils import timezone

from photos import ml
from photos.analysis import queue as analysis_queue
from photos.analysis import runner
from photos.models import AnalysisStatus, Face, Tag
from privacy import consent
from privacy.models import ConsentTerms
from tests.factories import make_photo

pytestmark = pytest.mark.django_db

PORTRAIT = "people/obama/obama_1.jpg"


@pytest.fixture
def model_calls(monkeypatch):
    """Every call of a real model's inference: [(model kind, photo id)]; `current` names
    the photo the runner is analysing (the models do not know it)."""

    class Calls(list):
        current = None

    calls = Calls()
    detect, probabilities = ml.FaceModel.detect, ml.SceneModel.probabilities

    def record_detect(self, *args, **kwargs):
        calls.append(("faces", calls.current))
        return detect(self, *args, **kwargs)

    def record_probabilities(self, *args, **kwargs):
        calls.append(("scenes", calls.current))
        return probabilities(self, *args, **kwargs)

    monkeypatch.setattr(ml.FaceModel, "detect", record_detect)
    monkeypatch.setattr(ml.SceneModel, "probabilities", record_probabilities)
    assert ml.model_available("faces") and ml.model_available("scenes")
    return calls


def analyse(photo, calls):
    calls.current = photo.pk
    try:
        runner.analyse(photo)
    finally:
        calls.current = None


def queued_photo(user, photos_dir):
    photo = make_photo(user, photos_dir / PORTRAIT, status=AnalysisStatus.PENDING)
    analysis_queue.ensure_steps([photo.pk])
    return photo


def ran_on(calls, photo) -> set[str]:
    return {kind for kind, pk in calls if pk == photo.pk}


def test_it_runs_no_model_on_a_photo_whose_owner_lacks_the_scope(
    alice, bob, charlie, grant, photos_dir, model_calls
):
    grant(alice, "cloud_processing", "face_analysis")
    grant(bob, "cloud_processing")  # scenes, not faces
    grant(charlie, "face_analysis")  # faces need cloud_processing too: nothing
    photos = {user: queued_photo(user, photos_dir) for user in (alice, bob, charlie)}

    for photo in photos.values():
        analyse(photo, model_calls)

    assert ran_on(model_calls, photos[alice]) == {"faces", "scenes"}
    assert Face.objects.filter(photo=photos[alice]).exists()  # the real model found Obama
    assert ran_on(model_calls, photos[bob]) == {"scenes"}
    assert Tag.objects.filter(photo=photos[bob]).exists()
    assert ran_on(model_calls, photos[charlie]) == set()
    assert not Face.objects.filter(photo__owner__in=[bob, charlie]).exists()
    assert None not in {pk for _, pk in model_calls}  # no call outside a photo's run


def test_a_revocation_after_queueing_stops_the_models_for_jobs_already_waiting(
    alice, bob, grant, photos_dir, model_calls
):
    grant(alice, "cloud_processing", "face_analysis")
    grant(bob, "cloud_processing", "face_analysis")
    waiting = {user: queued_photo(user, photos_dir) for user in (alice, bob)}

    consent.revoke(alice, "face_analysis")
    for photo in waiting.values():
        analyse(photo, model_calls)

    assert ran_on(model_calls, waiting[alice]) == {"scenes"}
    assert ran_on(model_calls, waiting[bob]) == {"faces", "scenes"}

    # Terms published after Bob's grant pause everything until he accepts them again.
    ConsentTerms.objects.create(
        scope="cloud_processing", version=99, title="New", text="new", published_at=timezone.now()
    )
    again = queued_photo(bob, photos_dir)
    analyse(again, model_calls)
    assert ran_on(model_calls, again) == set()

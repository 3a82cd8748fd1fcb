"""Consent is checked when each step runs: over any sequence of grants, revocations, new
terms, uploads and queued jobs, no step records `done` unless its scopes were granted at
that moment.

The pipeline here is a stand-in written the way analysis steps must be written (ask
`consent.allows` at run time, then `records.record_step` or `records.record_skipped`);
test_pipeline_enforcement.py runs the same checks against the real `photos.tasks`.
"""

import random
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from photos.models import Photo, Tag
from privacy import consent, services
from privacy.models import (
    ConsentAction,
    ConsentEvent,
    ConsentTerms,
    Outcome,
    ProcessingRecord,
    Scope,
)
from privacy.records import record_skipped, record_step
from tests.factories import make_photo

pytestmark = pytest.mark.django_db

# step -> the scopes it needs (older photos also need older_photos).
STEPS = {
    "scenes": (Scope.CLOUD_PROCESSING,),
    "quality": (Scope.CLOUD_PROCESSING,),
    "faces": (Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS),
}
OLD_AFTER = timedelta(days=30)


def required_scopes(photo, step):
    scopes = list(STEPS[step])
    if photo.taken_at < timezone.now() - OLD_AFTER:
        scopes.append(Scope.OLDER_PHOTOS)
    return scopes


def fake_analyse(photo_id):
    """A queued analysis job, as the pipeline runs it: fetch, check consent now, record."""
    photo = Photo.objects.select_related("owner").filter(pk=photo_id).first()
    if photo is None:
        return
    for step in STEPS:
        started = timezone.now()
        missing = [s for s in required_scopes(photo, step) if not consent.allows(photo.owner, s)]
        if missing:
            record_skipped(photo.owner, photo, step, missing[0])
            continue
        if step == "scenes":
            Tag.objects.get_or_create(
                photo=photo, label="seashore", defaults={"score": 0.7, "model_name": "fake"}
            )
        record_step(
            photo.owner, photo, step, outcome=Outcome.DONE, started_at=started, summary="ok"
        )


def granted_at(user, scope, when) -> bool:
    """From the ledger and the terms alone (not via consent.allows): was `scope` granted
    under the terms in force at `when`?"""
    in_force = (
        ConsentTerms.objects.filter(scope=scope, published_at__lte=when)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    last = (
        ConsentEvent.objects.filter(user=user, scope=scope, created_at__lte=when)
        .order_by("-created_at", "-id")
        .first()
    )
    return (
        last is not None
        and last.action == ConsentAction.GRANT
        and in_force is not None
        and last.terms_version == in_force
    )


def assert_no_record_without_consent():
    done = ProcessingRecord.objects.filter(outcome=Outcome.DONE).select_related("user")
    photos = Photo.objects.in_bulk(list(done.values_list("photo_ref", flat=True)))
    for record in done:
        photo = photos.get(record.photo_ref)
        scopes = list(STEPS[record.step])
        if photo is not None and photo.taken_at < record.started_at - OLD_AFTER:
            scopes.append(Scope.OLDER_PHOTOS)
        for scope in scopes:
            assert granted_at(record.user, scope, record.started_at), (
                f"{record} ran at {record.started_at} without {scope}"
            )
    for record in ProcessingRecord.objects.filter(outcome=Outcome.SKIPPED):
        assert record.scope_missing
        assert not granted_at(record.user, record.scope_missing, record.started_at)


def test_a_job_queued_before_stop_all_creates_no_output(alice, grant, photos_dir):
    grant(alice, "cloud_processing", "face_analysis")
    queued = [make_photo(alice, photos_dir / "scenes/ibm_dog.jpg").pk]
    services.stop_all(alice)
    for pk in queued:
        fake_analyse(pk)
    assert not Tag.objects.filter(photo__owner=alice).exists()
    assert not ProcessingRecord.objects.filter(outcome=Outcome.DONE).exists()
    skipped = ProcessingRecord.objects.filter(user=alice, outcome=Outcome.SKIPPED)
    assert skipped.count() == 3
    assert set(skipped.values_list("scope_missing", flat=True)) == {"cloud_processing"}


def test_nothing_is_analysed_before_the_covering_scope_is_granted(alice, grant, photos_dir):
    photo = make_photo(alice, photos_dir / "scenes/ibm_dog.jpg")
    fake_analyse(photo.pk)
    grant(alice, "cloud_processing")
    fake_analyse(photo.pk)
    outcomes = dict(
        ProcessingRecord.objects.filter(started_at__gte=timezone.now() - timedelta(seconds=1))
        .order_by("id")
        .values_list("step", "outcome")
    )
    assert outcomes == {"scenes": "done", "quality": "done", "faces": "skipped"}
    assert ProcessingRecord.objects.filter(outcome="skipped").count() == 4
    assert_no_record_without_consent()


@pytest.mark.parametrize("seed", range(12))
def test_random_sequences_never_record_a_step_without_consent(seed, alice, bob, photos_dir):
    rng = random.Random(seed)
    users = [alice, bob]
    queue: list[int] = []
    files = [photos_dir / "scenes/ibm_dog.jpg", photos_dir / "people/obama/obama_1.jpg"]
    start = timezone.now()
    scopes = [Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS, Scope.OLDER_PHOTOS]
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(60):
            clock.shift(timedelta(seconds=1))
            user = rng.choice(users)
            op = rng.choices(
                ["grant", "revoke", "upload", "run", "stop", "terms"], [4, 3, 3, 5, 1, 1]
            )[0]
            if op == "grant":
                scope = rng.choice(scopes)
                if not consent.allows(user, scope):
                    consent.grant(user, scope)
            elif op == "revoke":
                scope = rng.choice(scopes)
                try:
                    consent.revoke(user, scope)
                except consent.ConsentError as exc:
                    assert exc.code == "not_granted"
            elif op == "upload":
                taken = timezone.now() - timedelta(days=rng.choice([1, 45]))
                queue.append(make_photo(user, rng.choice(files), taken_at=taken).pk)
            elif op == "run" and queue:
                fake_analyse(queue.pop(rng.randrange(len(queue))))
            elif op == "stop":
                services.stop_all(user)
            elif op == "terms":
                scope = rng.choice(scopes)
                top = ConsentTerms.objects.filter(scope=scope).order_by("-version").first()
                ConsentTerms.objects.create(
                    scope=scope,
                    version=top.version + 1,
                    title=top.title,
                    text=top.text,
                    published_at=timezone.now(),
                )
        clock.shift(timedelta(seconds=1))
        while queue:
            fake_analyse(queue.pop())
    assert ProcessingRecord.objects.exists()
    assert_no_record_without_consent()


def test_the_checker_catches_a_step_that_ignores_consent(alice, photos_dir):
    """The invariant above is not vacuous: a step that skips the check is caught."""
    photo = make_photo(alice, photos_dir / "scenes/ibm_dog.jpg")
    record_step(alice, photo, "scenes", outcome=Outcome.DONE)
    with pytest.raises(AssertionError, match="without cloud_processing"):
        assert_no_record_without_consent()

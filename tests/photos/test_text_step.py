"""Text in photos: the "text" step on real photos (text rendered onto shared photos with
Pillow, and real signs), no false hits on photos without text, the consent it needs (the
cloud_processing terms v2), the setting that turns it off, and its findings in the
processing log, the viewer, export and every kind of deletion."""

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont

from photos import ml, tasks
from photos.analysis import media as media_files
from photos.analysis import queue
from photos.analysis.steps import text as text_step
from photos.models import AnalysisStatus, AnalysisStep, PhotoText, Step
from photos.personal_data import PhotosData
from privacy import consent, services
from privacy.models import ConsentAction, ConsentEvent, Outcome, ProcessingRecord, Scope
from privacy.records import FINDINGS_DELETED
from tests.factories import make_photo

pytestmark = pytest.mark.django_db

# Photos of the shared set with no text in them (people, animals, a landscape, a table).
WITHOUT_TEXT = [
    "scenes/ibm_dog.jpg",
    "scenes/pelican.jpeg",
    "scenes/gorfort_mountain.jpg",
    "scenes/insightface_t1.jpg",
    "people/groups/biden_and_obama.jpg",
]


@pytest.fixture(autouse=True)
def text_on(settings):
    settings.TEXT_RECOGNITION = True  # the test environment turns it off (Makefile)


def font(size):
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",):
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)  # Pillow's own scalable font


def rendered(photos_dir, tmp_path, source, lines, name):
    """`source` with `lines` ((text, (x, y) as fractions, height as a fraction)) drawn in
    white with a black outline, as a sign or a caption would be."""
    with Image.open(photos_dir / source) as im:
        image = im.convert("RGB")
    draw = ImageDraw.Draw(image)
    for text, (x, y), height in lines:
        size = max(14, round(image.height * height))
        draw.text(
            (image.width * x, image.height * y),
            text,
            font=font(size),
            fill=(255, 255, 255),
            stroke_width=max(1, size // 12),
            stroke_fill=(0, 0, 0),
        )
    path = tmp_path / name
    image.save(path, quality=92)
    return path


def analysed(owner, path):
    photo = make_photo(owner, path, status=AnalysisStatus.PENDING)
    tasks.analyse_photo(photo.pk)
    photo.refresh_from_db()
    return photo


def lines_of(photo):
    return list(PhotoText.objects.filter(photo=photo).values_list("text", flat=True))


def text_record(photo):
    return ProcessingRecord.objects.get(photo_ref=photo.pk, step=Step.TEXT)


def test_it_reads_text_rendered_on_a_real_photo_with_boxes_and_confidence(
    alice, grant, photos_dir, tmp_path
):
    grant(alice, Scope.CLOUD_PROCESSING)
    path = rendered(
        photos_dir,
        tmp_path,
        "scenes/ibm_dog.jpg",
        [("Ticket 42 Porto", (0.08, 0.8), 0.07), ("Café Lisboa", (0.08, 0.08), 0.09)],
        "dog_ticket.jpg",
    )
    photo = analysed(alice, path)

    assert photo.analysis_status == AnalysisStatus.DONE
    rows = list(PhotoText.objects.filter(photo=photo))
    folded = " ".join(r.folded for r in rows)
    assert " ticket 42 porto " in folded
    assert " lisboa " in folded
    for row in rows:
        assert row.owner_id == alice.pk and row.score >= 0.8
        assert len(row.box) == 4 and all(0 <= v <= 1 for corner in row.box for v in corner)
    ticket = next(r for r in rows if "ticket" in r.folded)
    xs, ys = [c[0] for c in ticket.box], [c[1] for c in ticket.box]
    # Where it was drawn: the bottom left of the photo.
    assert min(xs) < 0.2 and min(ys) > 0.7 and max(ys) < 1
    record = text_record(photo)
    assert record.outcome == Outcome.DONE and record.model_version == ml.text_model().version
    assert record.summary.startswith(f"{len(rows)} lines of text read")
    # The log says how much was read, never what.
    assert "Porto" not in record.summary and "Porto" not in json.dumps(record.details)

    # Running it again leaves the same rows.
    before = sorted(PhotoText.objects.filter(photo=photo).values_list("text", "score"))
    AnalysisStep.objects.filter(photo=photo, step=Step.TEXT).update(status=AnalysisStatus.RUNNING)
    tasks.analyse_photo(photo.pk)
    assert sorted(PhotoText.objects.filter(photo=photo).values_list("text", "score")) == before


def test_it_reads_real_signs_and_labels(alice, grant, photos_dir):
    grant(alice, Scope.CLOUD_PROCESSING)
    bakery = make_photo(alice, photos_dir / "scenes/ibm_bakery.jpg")  # a price label
    selfie = make_photo(alice, photos_dir / "scenes/selfie.jpg")  # a banner over a crowd

    read = {
        photo.pk: text_step.compute(photo, media_files.media_loader(photo)())
        for photo in (bakery, selfie)
    }

    bakery_text = " ".join(t for t, _, _ in read[bakery.pk].data["lines"]).upper()
    assert "ROSEMARY" in bakery_text
    selfie_text = " ".join(t for t, _, _ in read[selfie.pk].data["lines"])
    assert "Largest Selfie" in selfie_text and "Lumia" in selfie_text


@pytest.mark.parametrize("source", WITHOUT_TEXT)
def test_photos_without_text_give_no_lines(alice, photos_dir, source):
    photo = make_photo(alice, photos_dir / source)
    result = text_step.compute(photo, media_files.media_loader(photo)())
    assert result.data["lines"] == []


def test_a_user_who_accepted_v1_keeps_the_other_steps_and_text_waits_for_v2(
    alice, alice_client, photos_dir, tmp_path, django_capture_on_commit_callbacks
):
    # Alice accepted cloud processing before v2 (which added text) was published.
    ConsentEvent.objects.create(
        user=alice, scope=Scope.CLOUD_PROCESSING, action=ConsentAction.GRANT, terms_version=1
    )
    state = consent.states(alice)[Scope.CLOUD_PROCESSING]
    assert state.granted and state.newer_terms and not state.needs_reconsent
    assert (state.terms_version, state.current_version) == (1, 2)
    assert consent.allows(alice, Scope.CLOUD_PROCESSING)
    granted = consent.granted(alice.pk)
    assert Scope.CLOUD_PROCESSING in granted and Scope.CLOUD_PROCESSING not in granted.current
    path = rendered(
        photos_dir, tmp_path, "scenes/pelican.jpeg", [("PLATFORM 9", (0.1, 0.1), 0.1)], "p.jpg"
    )

    photo = analysed(alice, path)

    steps = dict(AnalysisStep.objects.filter(photo=photo).values_list("step", "status"))
    assert steps[Step.SCENES] == steps[Step.QUALITY] == steps[Step.DUPLICATES] == "done"
    assert steps[Step.TEXT] == AnalysisStatus.SKIPPED
    assert lines_of(photo) == []
    skipped = text_record(photo)
    assert (skipped.outcome, skipped.scope_missing) == (Outcome.SKIPPED, Scope.CLOUD_PROCESSING)
    # The privacy page shows the new terms and lets her accept them.
    client = alice_client
    page = client.get(reverse("privacy:index")).content.decode()
    assert "New terms you can accept" in page and "Accept v2" in page

    # Accepting v2 reads the text of the photos skipped for it.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("privacy:scope", args=[Scope.CLOUD_PROCESSING]), {"action": "grant"}
        )
    assert response.status_code == 302
    assert consent.states(alice)[Scope.CLOUD_PROCESSING].terms_version == 2
    assert "platform" in " ".join(lines_of(photo)).lower()
    assert AnalysisStep.objects.get(photo=photo, step=Step.TEXT).status == AnalysisStatus.DONE


def test_the_setting_turns_the_step_off_for_the_whole_service(
    alice, grant, photos_dir, settings, monkeypatch
):
    grant(alice, Scope.CLOUD_PROCESSING)
    settings.TEXT_RECOGNITION = False
    monkeypatch.setattr(ml, "text_model", lambda: pytest.fail("the text model was loaded"))
    new = analysed(alice, photos_dir / "scenes/ibm_bakery.jpg")
    # A new photo gets no text step at all, and is done.
    assert new.analysis_status == AnalysisStatus.DONE
    assert not AnalysisStep.objects.filter(photo=new, step=Step.TEXT).exists()
    # One that had it waiting is marked off, with nothing in the processing log.
    old = make_photo(alice, photos_dir / "scenes/selfie.jpg", status=AnalysisStatus.PENDING)
    queue.ensure_steps([old.pk])
    AnalysisStep.objects.get_or_create(photo=old, step=Step.TEXT)  # from before it was off
    tasks.analyse_photo(old.pk)
    old.refresh_from_db()
    step = AnalysisStep.objects.get(photo=old, step=Step.TEXT)
    assert (step.status, step.message) == (AnalysisStatus.SKIPPED, "Turned off on this server.")
    assert old.analysis_status == AnalysisStatus.DONE
    assert not ProcessingRecord.objects.filter(step=Step.TEXT).exists()


def add_text(photo, *lines):
    from photos.lib.text import fold_words

    for i, text in enumerate(lines):
        PhotoText.objects.create(
            photo=photo,
            owner=photo.owner,
            position=i,
            text=text,
            folded=fold_words(text),
            box=[[0.1, 0.1], [0.5, 0.1], [0.5, 0.2], [0.1, 0.2]],
            score=0.95,
            model_name="PP-OCRv6 small (rapidocr)",
        )


def test_the_viewer_export_and_every_deletion_cover_the_text(
    alice, alice_client, bob, grant, photos_dir, django_capture_on_commit_callbacks
):
    grant(alice, Scope.CLOUD_PROCESSING)
    photo = make_photo(alice, photos_dir / "scenes/ibm_dog.jpg")
    other = make_photo(alice, photos_dir / "scenes/pelican.jpeg")
    add_text(photo, "Café Lisboa", "Ticket 42")
    add_text(other, "PLATFORM 9")
    add_text(make_photo(bob, photos_dir / "scenes/ibm_dog.jpg"), "Bob's receipt")
    info = alice_client.get(reverse("photos:photo-info", args=[photo.pk])).json()
    assert [line["text"] for line in info["text"]] == ["Café Lisboa", "Ticket 42"]
    assert len(info["text"][0]["box"]) == 4

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        PhotosData().export(alice, zf)
    with zipfile.ZipFile(buffer) as zf:
        exported = json.loads(zf.read("data/photos.json"))
    by_id = {row["id"]: row for row in exported}
    assert [t["text"] for t in by_id[photo.pk]["text"]] == ["Café Lisboa", "Ticket 42"]
    assert by_id[photo.pk]["text"][0]["box"] and by_id[photo.pk]["text"][0]["score"] == 0.95

    # Deleting the photo deletes its text.
    from photos.services import delete_photos

    with django_capture_on_commit_callbacks(execute=True):
        delete_photos(alice, type(photo).objects.filter(pk=photo.pk))
    assert lines_of(photo) == []
    assert PhotoText.objects.filter(owner=alice).count() == 1
    # "Delete the analysis" deletes it, with a count.
    counts = PhotosData().erase_derived(alice)
    assert counts["text_lines"] == 1
    assert PhotoText.objects.filter(owner=alice).count() == 0
    assert PhotoText.objects.filter(owner=bob).count() == 1  # Bob's stays


def test_revoking_cloud_processing_deletes_the_text_at_once(alice, grant, photos_dir):
    grant(alice, Scope.CLOUD_PROCESSING)
    photo = make_photo(alice, photos_dir / "scenes/ibm_dog.jpg")
    add_text(photo, "Passport 123")
    queue.ensure_steps([photo.pk])
    AnalysisStep.objects.filter(photo=photo, step=Step.TEXT).update(status=AnalysisStatus.DONE)
    ProcessingRecord.objects.create(
        user=alice,
        photo_ref=photo.pk,
        step=Step.TEXT,
        started_at=photo.uploaded_at,
        outcome=Outcome.DONE,
        summary="1 lines of text read (2 words)",
        details={"lines": 1},
    )
    assert PhotosData().revocation_counts(alice, [Scope.CLOUD_PROCESSING])["text_lines"] == 1

    consent.revoke(alice, Scope.CLOUD_PROCESSING)

    assert not PhotoText.objects.filter(owner=alice).exists()
    step = AnalysisStep.objects.get(photo=photo, step=Step.TEXT)
    assert step.status == AnalysisStatus.SKIPPED
    assert ProcessingRecord.objects.get(step=Step.TEXT).summary == FINDINGS_DELETED


def test_account_deletion_leaves_no_text_row(alice, grant, photos_dir):
    grant(alice, Scope.CLOUD_PROCESSING)
    add_text(make_photo(alice, photos_dir / "scenes/ibm_dog.jpg"), "Membership card 0042")
    assert services.delete_account(alice)
    assert not PhotoText.objects.exists()


def test_the_model_loads_and_reads_offline_from_the_wheel(monkeypatch, photos_dir):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the text model tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    ml.clear_cache()
    model = ml.text_model()
    assert "rapidocr" in model.description and model.version
    with Image.open(photos_dir / "scenes/selfie.jpg") as im:
        lines = model.read(np.asarray(im.convert("RGB")))
    assert any("Selfie" in line.text for line in lines)

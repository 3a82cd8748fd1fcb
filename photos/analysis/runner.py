"""Running a photo's analysis steps on the worker: compute, write the files, then store.

Each step runs in phases. The slow one (decoding, model inference) touches no row. Then
one transaction (privacy.derived.write_derived) locks the owner, checks consent *again*,
writes the files (face crops) of the steps still allowed, and for every step replaces its
rows, sets its status and writes its processing record (each step in a savepoint). So a
task killed halfway leaves no row half-written, a step run twice leaves the same rows, a
consent revocation or a deletion that lands while a model is running wins (they lock the
same owner row, see privacy.consent.lock_owner) and no file is written for it, and the
files of a step whose store did not commit are removed.
"""

import importlib
import logging
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from photos import ml, people
from photos.analysis import media as media_files
from photos.analysis import queue
from photos.analysis.steps import REGISTRY, StepResult
from photos.derivatives import make_derivatives
from photos.models import AnalysisStatus, AnalysisStep, MediaType, Photo, Step
from photos.signals import analysis_drained
from privacy import consent, derived
from privacy.models import Outcome, Scope
from privacy.records import new_record, save_records, skipped_record

log = logging.getLogger(__name__)

# Transient errors worth a Celery retry with backoff (the database was busy or away).
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@dataclass
class Computed:
    step: str
    kind: str  # "result", "skipped", "waiting", "failed", "timeout"
    started: object
    result: StepResult | None = None
    message: str = ""
    scope: str = ""


@cache
def _function(path: str):
    """A step's compute or store function from its "module:function" declaration."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def analyse(photo: Photo) -> str:
    """Run every step of `photo` that is not done yet; returns the photo's new status.

    The models run first (no transaction open); then one transaction locks the owner,
    checks consent once more and stores every step's rows, statuses and records."""
    rows = dict(photo.steps.values_list("step", "status"))
    active = queue.active_steps()
    if any(step not in rows for step in active):
        queue.ensure_steps([photo.pk])
    # A step turned off that the photo has a row for is marked skipped (compute_step).
    todo = [
        step
        for step in queue.ALL_STEPS
        if (step in active or step in rows) and rows.get(step) != AnalysisStatus.DONE
    ]
    if not todo:
        return update_status(photo)
    with transaction.atomic():
        Photo.objects.filter(pk=photo.pk).update(analysis_status=AnalysisStatus.RUNNING)
        AnalysisStep.objects.filter(photo=photo, step__in=todo).update(
            status=AnalysisStatus.RUNNING, attempts=F("attempts") + 1, updated_at=timezone.now()
        )
    media = media_files.media_loader(photo)
    # Checked once here so that no model runs without consent, and again in the write
    # transaction, which is what decides whether anything is stored.
    granted = granted_scopes(photo.owner_id)
    # One decode serves the thumbnails and the models when a model will look at the photo;
    # thumbnails alone decode at the (smaller) scale they need.
    shared = photo.media_type == MediaType.PHOTO and any(
        step != Step.DERIVATIVES and not _turned_off(step) and not _missing_scope(step, granted)
        for step in todo
    )
    outcomes = []
    for step in todo:
        if step == Step.DERIVATIVES:
            _derivatives(photo, media if shared else None)
            continue
        outcome = compute_step(photo, step, media, granted)
        outcomes.append(outcome)
        if outcome.kind == "timeout":
            break  # out of time: store what is done; the remaining steps stay pending
    if outcomes:
        store_steps(photo, outcomes)
    status = update_status(photo)
    if status != AnalysisStatus.SKIPPED:
        _on_done(photo)
    return status


def granted_scopes(owner_id, *, lock: bool = False) -> set[str]:
    """The scopes the owner allows now (one query, consent.granted). With `lock`, the owner
    row is locked first: the same lock privacy.consent takes for a grant or revocation, so
    whichever commits first, the other sees its result."""
    if lock:
        list(get_user_model().objects.select_for_update().filter(pk=owner_id).values_list("pk"))
    return consent.granted(owner_id)


def _missing_scope(step, granted: set[str]) -> str:
    """The first scope of the step not granted now; for a step that needs the terms in force
    (`current_terms`), a scope granted at an earlier version they extend is missing too."""
    spec = REGISTRY[step]
    # Scopes given as a plain set say nothing of the terms' version: such a step waits.
    current = getattr(granted, "current", frozenset()) if spec.current_terms else granted
    return next((s for s in spec.scopes if s not in granted or s not in current), "")


def _turned_off(step) -> bool:
    """The step's setting turns it off for the whole service (TEXT_RECOGNITION=0)."""
    return step not in queue.active_steps()


def _set_step(photo, step, status, *, message="", model_name=None) -> None:
    _set_steps(photo, {step: (status, message, model_name)})


def _derivatives(photo, media=None) -> None:
    """Thumbnail and preview: display, not analysis, so no consent and no record. With
    `media` (the task's decode, see media_files.media_loader), from its image."""
    try:
        make_derivatives(photo, media().display if media is not None else None)
    except SoftTimeLimitExceeded:
        raise
    except TRANSIENT_ERRORS:
        _set_step(photo, Step.DERIVATIVES, AnalysisStatus.PENDING, message="Waiting to retry.")
        raise
    except Exception as exc:
        log.exception("Thumbnails failed on photo %s", photo.pk)
        _set_step(
            photo, Step.DERIVATIVES, AnalysisStatus.FAILED, message=f"{type(exc).__name__}: {exc}"
        )
    else:
        _set_step(photo, Step.DERIVATIVES, AnalysisStatus.DONE)


def compute_step(photo: Photo, step: str, media, granted: set[str]) -> Computed:
    """The slow half of a step: decoding and models, no row written."""
    started = timezone.now()
    if _turned_off(step):
        return Computed(step, "off", started, message="Turned off on this server.")
    missing = _missing_scope(step, granted)
    if missing:
        return Computed(step, "skipped", started, scope=missing)
    try:
        result = _function(REGISTRY[step].compute)(photo, media())
        return Computed(step, "result", started, result=result)
    except ml.ModelMissing as exc:
        # The owner sees which setting waits, not the server's paths; the operator gets the
        # whole message in the log (and from `manage.py models`).
        log.warning("Photo %s waits for a model: %s", photo.pk, exc)
        message = f"Waiting for a model the server's administrator has to install ({exc.setting})."
        return Computed(step, "waiting", started, message=message)
    except SoftTimeLimitExceeded:
        message = f"Took longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} s and was stopped."
        return Computed(step, "timeout", started, message=message)
    except TRANSIENT_ERRORS:
        raise  # the task retries with backoff; nothing was written
    except Exception as exc:
        log.exception("Step %s failed on photo %s", step, photo.pk)
        return Computed(step, "failed", started, message=f"{type(exc).__name__}: {exc}")


def _write_files(photo, outcome: Computed, now_granted: set[str]) -> list[str]:
    """Write a computed step's files (in the store transaction, once its consent is known
    to hold); returns the names created. A storage error fails the step, as an error in its
    store would."""
    if outcome.kind != "result" or not outcome.result.files:
        return []
    if _missing_scope(outcome.step, now_granted):
        return []  # revoked meanwhile: _store records it skipped, and no file is written
    try:
        outcome.result.saved, created = media_files.write_files(outcome.result.files)
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        log.exception("Writing the files of step %s failed on photo %s", outcome.step, photo.pk)
        outcome.kind, outcome.message = "failed", f"{type(exc).__name__}: {exc}"
        return []
    return created


def store_steps(photo: Photo, outcomes: list[Computed]) -> None:
    """The quick half: one transaction under the owner's lock (privacy.derived), consent
    checked again, then the files of the steps still allowed, then their rows. A photo
    deleted meanwhile gets nothing written; the files of a step whose rows did not commit
    are removed (the whole transaction's by write_derived, a failed step's here)."""
    owner = photo.owner
    created: dict[str, list[str]] = {}
    stored: set[str] = set()

    def write(writer):
        now_granted = consent.granted(owner.pk)
        for outcome in outcomes:
            created[outcome.step] = _write_files(photo, outcome, now_granted)
            writer.track(created[outcome.step])
        stored.update(_store_all(photo, owner, outcomes, now_granted))

    derived.write_derived(
        owner.pk,
        write,
        still_held=lambda: Photo.objects.select_for_update().filter(pk=photo.pk).exists(),
        inactive_too=True,
    )
    media_files.remove_files(
        name for step, names in created.items() if step not in stored for name in names
    )


def _store_all(photo, owner, outcomes: list[Computed], now_granted: set[str]) -> set[str]:
    """Every step's rows, then all their statuses in one UPDATE and their records in one
    INSERT; returns the steps whose results were stored. Usually all in one savepoint; when
    a step's store fails, that savepoint is rolled back and the steps are stored again one
    by one, each in its own savepoint, so that one step's failure keeps the others."""
    try:
        with transaction.atomic():
            return _store_each(photo, owner, outcomes, now_granted, isolated=False)
    except TRANSIENT_ERRORS:
        raise
    except Exception:
        return _store_each(photo, owner, outcomes, now_granted, isolated=True)


def _store_each(photo, owner, outcomes, now_granted, *, isolated: bool) -> set[str]:
    ends: dict[str, tuple] = {}
    records = []
    stored = set()
    for outcome in outcomes:
        if _store(photo, owner, outcome, now_granted, ends, records, isolated=isolated):
            stored.add(outcome.step)
    _set_steps(photo, ends)
    save_records(records)
    return stored


def _store(photo, owner, outcome: Computed, now_granted, ends, records, *, isolated) -> bool:
    """One step's rows; its end (status, message, model) goes into `ends` and its record
    into `records`. True when its results were stored. Not `isolated`, a failing store
    raises (see _store_all)."""
    step, started = outcome.step, outcome.started
    kind, scope = outcome.kind, outcome.scope
    if kind == "result":
        scope = _missing_scope(step, now_granted)
        kind = "skipped" if scope else "result"
    if kind == "skipped":
        ends[step] = (AnalysisStatus.SKIPPED, f"{scope} is not granted.", None)
        records.append(skipped_record(owner, photo, step, scope))
        return False
    message = outcome.message
    if kind == "off":
        # Nothing was processed, so nothing goes in the processing log.
        ends[step] = (AnalysisStatus.SKIPPED, message, None)
        return False
    if kind == "waiting":
        ends[step] = (AnalysisStatus.WAITING, message, None)
        records.append(
            new_record(
                owner, photo, step, outcome=Outcome.WAITING, started_at=started, summary=message
            )
        )
        return False
    if kind == "result":
        result = outcome.result
        store = _function(REGISTRY[step].store)
        # Isolated, a savepoint: this step's failure keeps the others.
        try:
            with transaction.atomic() if isolated else nullcontext():
                summary, details = store(photo, result, now_granted)
        except TRANSIENT_ERRORS:
            raise
        except Exception as exc:
            if not isolated:
                raise
            log.exception("Storing step %s failed on photo %s", step, photo.pk)
            message = f"{type(exc).__name__}: {exc}"
        else:
            ends[step] = (AnalysisStatus.DONE, "", result.model_name)
            records.append(
                new_record(
                    owner,
                    photo,
                    step,
                    outcome=Outcome.DONE,
                    started_at=started,
                    model_name=result.model_name,
                    model_version=result.model_version,
                    summary=summary,
                    details=details,
                )
            )
            return True
    ends[step] = (AnalysisStatus.FAILED, message, None)
    records.append(
        new_record(owner, photo, step, outcome=Outcome.FAILED, started_at=started, summary=message)
    )
    return False


def _set_steps(photo, ends: dict[str, tuple]) -> None:
    """Several steps' (status, message, model name or None to keep it) in one UPDATE."""
    if not ends:
        return

    def case(field, values: dict):
        whens = [When(step=step, then=Value(value)) for step, value in values.items()]
        return Case(*whens, default=F(field))

    fields = {
        "status": case("status", {step: end[0] for step, end in ends.items()}),
        "message": case("message", {step: end[1][:500] for step, end in ends.items()}),
        "updated_at": timezone.now(),
    }
    models = {step: end[2][:200] for step, end in ends.items() if end[2] is not None}
    if models:
        fields["model_name"] = case("model_name", models)
    AnalysisStep.objects.filter(photo=photo, step__in=list(ends)).update(**fields)


def run_step(photo: Photo, step: str, media, granted: set[str] | None = None) -> bool:
    """Run one step on its own (compute, then store); False when the task ran out of time."""
    if step == Step.DERIVATIVES:
        _derivatives(photo)
        return True
    if granted is None:
        granted = granted_scopes(photo.owner_id)
    outcome = compute_step(photo, step, media, granted)
    store_steps(photo, [outcome])
    return outcome.kind != "timeout"


def aggregate(derivatives: str, analysis: list[str]) -> str:
    """The photo's status from its steps' statuses."""
    statuses = {derivatives, *analysis}
    for status in (
        AnalysisStatus.RUNNING,
        AnalysisStatus.FAILED,
        AnalysisStatus.WAITING,
        AnalysisStatus.PENDING,
    ):
        if status in statuses:
            return status
    # Thumbnails alone are not analysis: a photo with every analysis step skipped is skipped.
    return AnalysisStatus.DONE if AnalysisStatus.DONE in analysis else AnalysisStatus.SKIPPED


def update_status(photo) -> str:
    rows = dict(photo.steps.values_list("step", "status"))
    active = queue.active_steps()
    analysis = [
        rows.get(step, AnalysisStatus.PENDING)
        for step in queue.ANALYSIS_STEPS
        if step in active or step in rows
    ]
    derivatives = rows.get(Step.DERIVATIVES, AnalysisStatus.PENDING)
    status = aggregate(derivatives, analysis)
    Photo.objects.filter(pk=photo.pk).update(analysis_status=status)
    photo.analysis_status = status
    return status


def _on_done(photo) -> None:
    """When the owner's queue has drained: group new faces, and tell the apps above
    (suggestions proposes new ones) through photos.signals.analysis_drained."""
    busy = (
        Photo.objects.for_owner(photo.owner)
        .filter(analysis_status__in=[AnalysisStatus.PENDING, AnalysisStatus.RUNNING])
        .exists()
    )
    if busy:
        return
    if consent.allows(photo.owner, Scope.FACE_ANALYSIS):
        people.cluster_user(photo.owner)
    analysis_drained.send(sender=Photo, user=photo.owner)

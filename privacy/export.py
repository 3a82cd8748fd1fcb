"""Building the export ZIP: the originals and JSON of everything stored about one user.

Each app writes its own part through its personal-data provider (privacy.registry); this
module adds the account, the consent ledger and the logs, and stores the ZIP."""

import io
import json
import tempfile
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, Q
from django.utils import timezone

from privacy import derived, files, outbox, registry, tasks
from privacy.models import (
    AccessLog,
    ConsentEvent,
    ExportJob,
    ExportStatus,
    ProcessingRecord,
)

README = """Your Camroll export
===================

{files}
data/account.json     your account and the devices connected to it
data/consent.json     the consent ledger: every grant and revocation
data/processing_log.json  every analysis step that ran or was skipped
data/access_log.json  every time staff looked at or changed your data

The download link expires; request a new export on the Privacy page at any time.
"""


def dump_json(zf: zipfile.ZipFile, name: str, data) -> None:
    zf.writestr(name, json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))


def dump_json_array(zf: zipfile.ZipFile, name: str, items) -> None:
    """A JSON array written item by item into the ZIP entry: memory stays flat however
    many items `items` (an iterator) yields, where dump_json holds the list and its text."""
    with io.TextIOWrapper(zf.open(name, "w", force_zip64=True), encoding="utf-8") as out:
        out.write("[")
        for i, item in enumerate(items):
            text = json.dumps(item, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
            out.write(("," if i else "") + "\n  " + text.replace("\n", "\n  "))
        out.write("\n]\n")


def _set_progress(job: ExportJob, percent: int) -> None:
    percent = max(0, min(100, int(percent)))
    if percent != job.progress:
        job.progress = percent
        ExportJob.objects.filter(pk=job.pk).update(progress=percent)


def readme() -> str:
    lines = [p.readme.strip("\n") for p in registry.providers() if p.readme]
    return README.format(files="\n".join(lines))


def write_zip(job: ExportJob, target) -> None:
    """Write the whole export of job.user into the open binary file `target`: each
    provider's files (privacy.registry), then the account and privacy's own records."""
    user = job.user
    providers = registry.providers()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        zf.writestr("README.txt", readme())
        # 5% to 90% shared between the providers, each reporting its own 0..1.
        share = 85 / max(len(providers), 1)
        for i, provider in enumerate(providers):
            base = 5 + share * i
            _set_progress(job, base)
            provider.export(
                user, zf, progress=lambda f, base=base: _set_progress(job, base + share * f)
            )
        _set_progress(job, 90)
        dump_json(
            zf,
            "data/account.json",
            {
                "username": user.username,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "birthday": user.birthday,
                "date_joined": user.date_joined,
                "devices": [
                    {
                        "id": d.pk,
                        "name": d.name,
                        "created_at": d.created_at,
                        "last_used_at": d.last_used_at,
                        "revoked_at": d.revoked_at,
                    }
                    for d in user.devices.order_by("created_at")
                ],
            },
        )
        _set_progress(job, 93)
        dump_json(
            zf,
            "data/consent.json",
            [
                {
                    "scope": e.scope,
                    "action": e.action,
                    "terms_version": e.terms_version,
                    "channel": e.channel,
                    "device": e.device_name,
                    "note": e.note,
                    "at": e.created_at,
                }
                for e in ConsentEvent.objects.for_user(user).order_by("created_at", "id")
            ],
        )
        dump_json_array(
            zf,
            "data/processing_log.json",
            (
                {
                    "photo_id": r.photo_ref,
                    "photo_name": r.photo_name,
                    "step": r.step,
                    "model": r.model_name,
                    "model_version": r.model_version,
                    "started_at": r.started_at,
                    "finished_at": r.finished_at,
                    "outcome": r.outcome,
                    "summary": r.summary,
                    "details": r.details,
                    "scope_missing": r.scope_missing,
                }
                for r in ProcessingRecord.objects.for_user(user)
                .order_by("started_at", "id")
                .iterator(chunk_size=2000)
            ),
        )
        dump_json_array(
            zf,
            "data/access_log.json",
            (
                {"who": a.actor_name, "action": a.action, "what": a.what, "at": a.created_at}
                for a in AccessLog.objects.filter(subject=user)
                .order_by("created_at", "id")
                .iterator(chunk_size=2000)
            ),
        )


ACTIVE = (ExportStatus.PENDING, ExportStatus.RUNNING)


def held(user) -> int:
    """How many of the user's exports discard() would take: ZIPs kept, and builds waiting
    or running (what a deletion's preview counts before it discards them)."""
    return ExportJob.objects.filter(user=user).filter(Q(status__in=ACTIVE) | ~Q(file="")).count()


def discard(user, reason: str, *, built_after=None, started_before=None) -> int:
    """The user's export ZIPs hold copies of data that was just deleted: they go now (the
    files once the deletion commits), not when their link expires. A ready ZIP's job is
    marked expired, a waiting or building one failed, both with `reason`; a build still
    running stores nothing (see build). Returns how many jobs were discarded.

    Only the jobs that may hold the data when its caller knows when it existed (deleted
    photos: uploaded at `built_after`, in the trash since `started_before`, which a new
    export leaves out): a ZIP finished before it existed, or a job started after it left,
    holds none of it and stays."""
    jobs = ExportJob.objects.filter(user=user)
    if built_after is not None:
        jobs = jobs.exclude(status=ExportStatus.READY, finished_at__lt=built_after)
    if started_before is not None:
        jobs = jobs.exclude(created_at__gte=started_before)
    # Locked first: a build storing its ZIP now is either seen here (its file deleted) or
    # waits and then finds its job no longer running (see build).
    list(jobs.select_for_update().values_list("pk"))
    files.delete_files_on_commit(jobs.exclude(file="").values_list("file", flat=True))
    ready = jobs.filter(status=ExportStatus.READY).update(
        status=ExportStatus.EXPIRED, file="", size=0, error=reason[:500]
    )
    active = jobs.filter(status__in=ACTIVE).update(
        status=ExportStatus.FAILED, file="", error=reason[:500], finished_at=timezone.now()
    )
    jobs.exclude(file="").update(file="")
    return ready + active


# A job pending this long was lost by the broker (or never reached it); one building for
# longer than a task may run lost its worker. Three tries, then it fails with the reason.
PENDING_STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3


def send(job_id: int) -> None:
    """Hand the job to a worker after commit; a broker that is down leaves it pending for
    the sweep, and the request that asked for it is answered all the same."""
    outbox.try_send(tasks.build_export, job_id)


def sweep() -> dict[str, int]:
    """Exports no worker is on, queued again: pending for a while, or building for longer
    than the task time limit (the worker died). The fourth time, it fails with the reason
    (the page then offers a new export instead of the same stuck one)."""
    now = timezone.now()
    lost = list(
        ExportJob.objects.filter(
            status=ExportStatus.PENDING, created_at__lt=now - PENDING_STALE_AFTER
        ).values_list("pk", flat=True)
    )
    stale = ExportJob.objects.filter(
        status=ExportStatus.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30),
    )
    given_up = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=ExportStatus.FAILED,
        error=f"Interrupted {MAX_ATTEMPTS} times: the worker died or the export ran past "
        f"CELERY_TASK_TIME_LIMIT ({settings.CELERY_TASK_TIME_LIMIT} s).",
        finished_at=now,
    )
    dead = list(stale.values_list("pk", flat=True))
    ExportJob.objects.filter(pk__in=dead, status=ExportStatus.RUNNING).update(
        status=ExportStatus.PENDING, progress=0
    )
    for pk in lost + dead:
        send(pk)
    return {"lost": len(lost), "interrupted": len(dead), "given_up": given_up}


def build(job: ExportJob) -> ExportJob:
    """Build the ZIP into a temporary file, then move it into media storage. Only a
    pending job is taken, by one worker: another delivery of its message leaves it."""
    started = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.PENDING).update(
        status=ExportStatus.RUNNING,
        progress=1,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not started:
        return job  # discarded (its data deleted) before it started, or taken already
    job.status, job.progress = ExportStatus.RUNNING, 1
    try:
        with tempfile.TemporaryFile(suffix=".zip") as tmp:
            write_zip(job, tmp)
            size = tmp.tell()
            tmp.seek(0)

            def store(writer):
                stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
                folder = files.user_folder(job.user_id)
                name = writer.save(
                    f"{folder}/exports/camroll-export-{job.pk}-{stamp}.zip", File(tmp)
                )
                now = timezone.now()
                ExportJob.objects.filter(pk=job.pk).update(
                    file=name,
                    size=size,
                    status=ExportStatus.READY,
                    progress=100,
                    finished_at=now,
                    expires_at=now + timedelta(hours=settings.EXPORT_LINK_HOURS),
                )

            # Stored only if the job is still running under the owner lock: the account
            # (and the job) went while the ZIP was built, or the data it holds was deleted
            # meanwhile (discard), and the ZIP is never written into storage.
            stored = derived.write_derived(
                job.user_id,
                store,
                still_held=lambda: (
                    ExportJob.objects.select_for_update()
                    .filter(pk=job.pk, status=ExportStatus.RUNNING)
                    .exists()
                ),
            )
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    if not stored:
        # A job left running had an owner no longer active (an erasure is queued).
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.FAILED,
            error="The account is being deleted.",
            finished_at=timezone.now(),
        )
        return job
    job.refresh_from_db()
    return job

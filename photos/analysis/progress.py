"""The owner's analysis progress: what the dashboard and the progress API show."""

import time

from django.db.models import Count

from photos.analysis.queue import ANALYSIS_STEPS
from photos.models import AnalysisStatus, AnalysisStep, Photo
from privacy.models import Outcome, ProcessingRecord


def progress(user) -> dict:
    """Done of total, per step, an estimate of the time left, and the latest failures."""

    photos = Photo.objects.for_owner(user)
    by_status = dict(
        photos.order_by()
        .values_list("analysis_status")
        .annotate(n=Count("pk"))
        .values_list("analysis_status", "n")
    )
    counts = {status: by_status.get(status, 0) for status in AnalysisStatus.values}
    total = sum(counts.values())
    steps = {}
    step_rows = (
        AnalysisStep.objects.filter(photo__owner=user)
        .order_by()
        .values_list("step", "status")
        .annotate(n=Count("pk"))
    )
    for step, status, n in step_rows:
        steps.setdefault(step, dict.fromkeys(AnalysisStatus.values, 0))[status] = n
    remaining = counts[AnalysisStatus.PENDING] + counts[AnalysisStatus.RUNNING]
    eta = None
    if remaining:
        # Mean time per photo over the owner's latest recorded steps (all steps of a photo).
        recent = list(
            ProcessingRecord.objects.for_user(user)
            .filter(outcome=Outcome.DONE, finished_at__isnull=False)
            .order_by("-started_at")
            .values_list("started_at", "finished_at")[:200]
        )
        if recent:
            per_step = sum((f - s).total_seconds() for s, f in recent) / len(recent)
            eta = round(per_step * len(ANALYSIS_STEPS) * remaining, 1)
    failures = [
        {
            "photo": row["photo_id"],
            "name": row["photo__original_name"],
            "step": row["step"],
            "message": row["message"],
        }
        for row in AnalysisStep.objects.filter(photo__owner=user, status=AnalysisStatus.FAILED)
        .order_by("-updated_at")
        .values("photo_id", "photo__original_name", "step", "message")[:10]
    ]
    waiting = (
        AnalysisStep.objects.filter(photo__owner=user, status=AnalysisStatus.WAITING)
        .order_by()
        .values_list("message", flat=True)
        .distinct()[:3]
    )
    return {
        "total": total,
        **counts,
        "steps": steps,
        "eta_seconds": eta,
        "failures": failures,
        "waiting_messages": list(waiting),
        "generated_at": time.time(),
    }

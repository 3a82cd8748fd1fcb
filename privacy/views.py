from datetime import datetime, time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_POST

from accounts import ratelimit
from privacy import consent, erasures, fetchers, registry, services
from privacy.fetchers import get_export_for_user
from privacy.models import (
    Channel,
    ConsentEvent,
    ConsentTerms,
    ErasureJob,
    ErasureKind,
    ErasureStatus,
    ExportJob,
    ExportStatus,
    Outcome,
    ProcessingRecord,
    RetentionChoice,
    RetentionRequest,
    Scope,
)
from project.files import private_file_response
from project.lookups import parse_id

LOG_PAGE_SIZE = 50
HISTORY_LIMIT = 100
ACCESS_LIMIT = 50


def _terms_by_scope():
    terms = {}
    for t in ConsentTerms.objects.filter(published_at__isnull=False).order_by("scope", "-version"):
        terms.setdefault(t.scope, t)
    return terms


@login_required
def onboarding(request):
    """The consent page after sign-up: each scope accepted or declined on its own."""
    terms = _terms_by_scope()
    states = consent.states(request.user)
    if request.method == "POST":
        granted, revoked = [], []
        with transaction.atomic():
            for scope in Scope.values:
                answer = request.POST.get(scope)
                state = states[scope]
                # Newer terms that extend the accepted ones are granted only when chosen.
                if (
                    answer == "accept"
                    and (not state.granted or state.newer_terms)
                    and scope in terms
                ):
                    consent.grant(request.user, scope)
                    granted.append(Scope(scope).label)
                # Declining newer terms of a scope granted before is a revocation too.
                elif answer == "decline" and (state.granted or state.needs_reconsent):
                    consent.revoke(request.user, scope)
                    revoked.append(scope)
            request.user.consent_reviewed_at = timezone.now()
            request.user.save(update_fields=["consent_reviewed_at"])
        if granted:
            messages.success(request, "You allowed: " + ", ".join(granted) + ".")
        else:
            messages.info(
                request,
                "Nothing will be analysed. You can change this any time on the Privacy page.",
            )
        if Scope.CLOUD_PROCESSING in revoked:
            return redirect("privacy:retention")
        return redirect("accounts:dashboard")
    rows = [
        {"scope": s, "label": Scope(s).label, "terms": terms.get(s), "state": states[s]}
        for s in Scope.values
    ]
    return render(request, "privacy/onboarding.html", {"rows": rows, "page": "privacy"})


def _log_filters(request):
    """The analysis log's filters from the query string; bad values are ignored, not fatal
    (a photo id that is not one, "²" or too large, filters nothing rather than failing)."""
    raw = {k: request.GET.get(k, "").strip() for k in ("photo", "step", "since", "until")}
    filters = {}
    photo = parse_id(raw["photo"])
    if photo is not None:
        filters["photo_ref"] = photo
    if raw["step"]:
        filters["step"] = raw["step"][:32]
    tz = timezone.get_current_timezone()
    since, until = parse_date_or_none(raw["since"]), parse_date_or_none(raw["until"])
    if since:
        filters["started_at__gte"] = timezone.make_aware(datetime.combine(since, time.min), tz)
    if until:
        filters["started_at__lte"] = timezone.make_aware(datetime.combine(until, time.max), tz)
    return raw, filters


def _cursor(record) -> str:
    return f"{record.started_at.isoformat()}_{record.pk}"


def _parse_cursor(value: str):
    """(started_at, id) from a cursor; None for anything else (the first page)."""
    stamp, _, pk = value.rpartition("_")
    try:
        started_at = parse_datetime(stamp)
    except ValueError:
        return None
    pk = parse_id(pk)
    if started_at is None or pk is None:
        return None
    return started_at, pk


def _log_page(records, params) -> dict:
    """A page of the log, newest first, by keyset: `?older=<cursor>` is the page after the
    record named by the cursor (its started_at and id), `?newer=<cursor>` the page before
    it. One index range per page, whatever the size of the log: no COUNT, no OFFSET."""
    older = _parse_cursor(params.get("older", ""))
    newer = None if older else _parse_cursor(params.get("newer", ""))
    if newer:
        started_at, pk = newer
        after = Q(started_at__gt=started_at) | Q(started_at=started_at, pk__gt=pk)
        rows = list(records.filter(after).order_by("started_at", "id")[: LOG_PAGE_SIZE + 1])
        more_newer, more_older = len(rows) > LOG_PAGE_SIZE, True
        rows = rows[:LOG_PAGE_SIZE][::-1]
    else:
        if older:
            started_at, pk = older
            records = records.filter(
                Q(started_at__lt=started_at) | Q(started_at=started_at, pk__lt=pk)
            )
        rows = list(records.order_by("-started_at", "-id")[: LOG_PAGE_SIZE + 1])
        more_newer, more_older = older is not None, len(rows) > LOG_PAGE_SIZE
        rows = rows[:LOG_PAGE_SIZE]
    return {
        "records": rows,
        "older": _cursor(rows[-1]) if rows and more_older else "",
        "newer": _cursor(rows[0]) if rows and more_newer else "",
    }


def parse_date_or_none(value):
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


@login_required
def index(request):
    user = request.user
    states = consent.states(user)
    terms = _terms_by_scope()
    rows = [
        {"scope": s, "label": Scope(s).label, "state": states[s], "terms": terms.get(s)}
        for s in Scope.values
    ]
    history = list(
        ConsentEvent.objects.for_user(user)
        .select_related("device")
        .order_by("-created_at", "-id")[:HISTORY_LIMIT]
    )

    raw, filters = _log_filters(request)
    records = ProcessingRecord.objects.for_user(user).filter(**filters)
    totals = services.analysis_totals(records)
    log_page = _log_page(
        records.only(
            "photo_ref",
            "photo_name",
            "step",
            "model_name",
            "model_version",
            "started_at",
            "finished_at",
            "outcome",
            "summary",
            "scope_missing",
        ),
        request.GET,
    )
    steps = (
        ProcessingRecord.objects.for_user(user)
        .order_by("step")
        .values_list("step", flat=True)
        .distinct()
    )
    query = request.GET.copy()
    for key in ("older", "newer", "page"):
        query.pop(key, None)

    export = ExportJob.objects.filter(user=user).order_by("-created_at").first()
    if export is not None and services.export_is_expired(export):
        export.status = ExportStatus.EXPIRED
    retention = RetentionRequest.objects.filter(user=user).first()
    # A "delete all my photos" still at work, or stopped: its state and a link to it.
    erasure = (
        ErasureJob.objects.filter(user=user, kind=ErasureKind.PHOTOS)
        .exclude(status=ErasureStatus.DONE)
        .order_by("-created_at")
        .first()
    )
    accesses = list(services.access_log_for(user).order_by("-created_at", "-id")[:ACCESS_LIMIT])
    context = {
        "page": "privacy",
        "rows": rows,
        "needs_reconsent": [r for r in rows if r["state"].needs_reconsent],
        "newer_terms": [r for r in rows if r["state"].newer_terms],
        "any_granted": any(s.granted or s.needs_reconsent for s in states.values()),
        "history": history,
        "log_page": log_page,
        "filters": raw,
        "filter_query": query.urlencode(),
        "totals": totals,
        "steps": list(steps),
        "export": export,
        "retention": retention,
        "erasure": erasure,
        "needs_retention_choice": services.needs_retention_choice(user, states),
        "accesses": accesses,
        "outcomes": Outcome,
    }
    return render(request, "privacy/index.html", context)


def _revoke_confirmation(request, scopes, *, title, action_url, extra, error=""):
    """The step before a revocation that deletes something: what goes, what stays."""
    preview = services.revocation_preview(request.user, scopes)
    context = {
        "page": "privacy",
        "title": title,
        "scopes": [Scope(s).label for s in preview["scopes"]],
        "deleted": _labelled(preview["deleted"]),
        "kept": _labelled(preview["kept"]),
        "action_url": action_url,
        "extra": extra,
        "error": error,
    }
    return render(request, "privacy/revoke_confirm.html", context, status=400 if error else 200)


def _deletes_something(preview: dict) -> bool:
    return any(preview["deleted"].values())


@login_required
@require_POST
def change_scope(request, scope):
    """One scope's toggle. Bad input (unknown scope, double grant) is a message, not a 500.
    A revocation that deletes data (face_analysis: faces, people, their suggestions) shows
    what it deletes first and needs confirm=yes."""
    action = request.POST.get("action")
    try:
        if action == "grant":
            consent.grant(request.user, scope, channel=Channel.WEB)
            messages.success(request, f"Allowed: {Scope(scope).label}.")
        elif action == "revoke":
            if (
                request.POST.get("confirm") != "yes"
                and scope in services.stop_all_scopes(request.user)
                and _deletes_something(services.revocation_preview(request.user, [scope]))
            ):
                return _revoke_confirmation(
                    request,
                    [scope],
                    title=f"Stop {Scope(scope).label.lower()}",
                    action_url=reverse("privacy:scope", args=[scope]),
                    extra={"action": "revoke"},
                    error="Tick the box to confirm. Nothing was changed."
                    if "confirm" in request.POST
                    else "",
                )
            consent.revoke(request.user, scope, channel=Channel.WEB)
            messages.success(request, f"Stopped: {Scope(scope).label}.")
            if scope == Scope.CLOUD_PROCESSING:
                return redirect("privacy:retention")
        else:
            messages.error(request, "Choose to allow or to stop.")
    except consent.ConsentError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("privacy:index") + "#scopes")


@login_required
def stop_all(request):
    """GET (or a POST without confirm=yes, when something would be deleted) shows what
    stopping everything deletes and what stays; POST with confirm=yes stops."""
    user = request.user
    scopes = services.stop_all_scopes(user)
    preview = services.revocation_preview(user, scopes)
    if request.method != "POST" or (
        request.POST.get("confirm") != "yes" and _deletes_something(preview)
    ):
        return _revoke_confirmation(
            request,
            scopes,
            title="Stop all future processing",
            action_url=reverse("privacy:stop-all"),
            extra={},
            error="Tick the box to confirm. Nothing was changed."
            if request.method == "POST" and "confirm" in request.POST
            else "",
        )
    revoked = services.stop_all(user, channel=Channel.WEB)
    if revoked:
        messages.success(
            request,
            "All processing stopped. Nothing more will be analysed, including jobs already "
            "waiting.",
        )
    else:
        messages.info(request, "Nothing was allowed, so nothing is processed.")
    if Scope.CLOUD_PROCESSING in revoked:
        return redirect("privacy:retention")
    return redirect("privacy:index")


@login_required
def retention(request):
    """After cloud processing was revoked: keep the photos unprocessed, or delete them."""
    user = request.user
    if request.method == "POST":
        try:
            services.choose_retention(user, request.POST.get("choice", ""))
        except consent.ConsentError as exc:
            messages.error(request, str(exc))
            return redirect("privacy:retention")
        if request.POST.get("choice") == RetentionChoice.DELETE:
            messages.success(request, "Your photos will be deleted from the cloud.")
        else:
            messages.success(request, "Your photos stay stored, and are not processed.")
        return redirect("privacy:index")
    context = {
        "page": "privacy",
        "granted": consent.allows(user, Scope.CLOUD_PROCESSING),
        "retention": RetentionRequest.objects.filter(user=user).first(),
        "grace_days": settings.PURGE_GRACE_DAYS,
        "photo_count": user.photos.count(),
    }
    return render(request, "privacy/retention.html", context)


# --- Export -----------------------------------------------------------------------------


def export_status_data(job: ExportJob, download_url: str) -> dict:
    expired = services.export_is_expired(job)
    ready = job.status == ExportStatus.READY and not expired
    return {
        "id": job.pk,
        "status": ExportStatus.EXPIRED.value if expired else job.status,
        "progress": job.progress,
        "download_url": download_url if ready else None,
        "expires_at": job.expires_at if ready else None,
        "size": job.size if ready else None,
    }


@login_required
@require_POST
def export_start(request):
    _job, created = services.request_export(request.user)
    if created:
        messages.success(request, "Your export is being built. This page shows its progress.")
    else:
        messages.info(request, "An export is already being built.")
    return redirect(reverse("privacy:index") + "#export")


@login_required
def export_status(request, pk):
    job = get_export_for_user(request.user, pk)
    url = reverse("privacy:export-download", args=[job.pk])
    return JsonResponse(export_status_data(job, url))


def export_file_response(request, job: ExportJob):
    """The ZIP, or 410 once the link lifetime is over (and 404 while not built)."""
    if services.export_is_expired(job):
        return HttpResponse(
            "This download link has expired. Request a new export on the Privacy page.",
            status=410,
            content_type="text/plain",
        )
    if job.status != ExportStatus.READY or not job.file:
        return HttpResponse("This export is not ready.", status=404, content_type="text/plain")
    return private_file_response(
        request,
        job.file.name,
        "application/zip",
        filename=f"camroll-export-{job.created_at:%Y-%m-%d}.zip",
        as_attachment=True,
        max_age=None,  # a whole account's data: never kept in a cache
    )


@login_required
def export_download(request, pk):
    return export_file_response(request, get_export_for_user(request.user, pk))


# --- Deletions --------------------------------------------------------------------------

DELETIONS = {
    "derived": {
        "title": "Delete the analysis of my photos",
        "lead": "Faces, face embeddings, people, tags, themes, suggestions and albums are "
        "deleted. Your photos stay, and are marked as not analysed.",
        "button": "Delete the analysis",
    },
    "photos": {
        "title": "Delete all my photos",
        "lead": "Every photo and video you uploaded is deleted from the cloud, with its "
        "thumbnails and everything derived from it. Your account and consent choices stay.",
        "button": "Delete all photos",
    },
    "account": {
        "title": "Delete my account",
        "lead": "Your account, every photo, everything derived from them, your consent "
        "history, your devices and exports are deleted. You are logged out. This cannot be "
        "undone.",
        "button": "Delete my account",
    },
}

COUNT_LABELS = {
    "photos": "photos and videos",
    "bytes": "size of the original files",
    "faces": "faces",
    "embeddings": "face embeddings",
    "people": "people",
    "tags": "tags",
    "themes": "theme labels",
    "suggestions": "suggestions",
    "albums": "albums",
    "devices": "connected devices",
    "consent_events": "consent history entries",
    "processing_records": "analysis log entries",
    "exports": "exports",
    "photos_kept": "photos kept",
    "tags_kept": "tags kept",
}


def _labelled(counts: dict) -> list[tuple[str, int | str]]:
    # Sizes in KB/MB/GB for people; the API keeps the exact number of bytes.
    return [
        (
            COUNT_LABELS.get(k) or registry.count_label(k),
            filesizeformat(v) if k == "bytes" else v,
        )
        for k, v in counts.items()
    ]


def _counts_for(kind, user):
    if kind == "derived":
        return services.derived_counts(user)
    if kind == "photos":
        return services.photo_counts(user)
    return services.account_counts(user)


def _password_error(request, user) -> str:
    """Why the password on the account deletion form is refused, or "". Under the login's
    lock-out: a session left open is no way to guess the password."""
    try:
        if ratelimit.check_password(request, user, request.POST.get("password", "")):
            return ""
    except ratelimit.Locked:
        return ratelimit.LOCKED_MESSAGE
    return "That is not your password. Nothing was deleted."


@login_required
def delete(request, kind):
    if kind not in DELETIONS:
        raise Http404("No such deletion.")
    user = request.user
    info = DELETIONS[kind]
    error = ""
    if request.method == "POST":
        error = _password_error(request, user) if kind == "account" else ""
        if error:
            pass
        elif request.POST.get("confirm") != "yes":
            error = "Tick the box to confirm. Nothing was deleted."
        else:
            if kind == "derived":
                done = services.delete_derived_data(user)
            else:
                counts = erasures.counts_for(user, kind)
                if not erasures.in_request(counts):
                    # A large library: a worker erases it, this page shows how far it got.
                    job, _ = erasures.queue(user, kind, counts)
                    if kind == "account":
                        logout(request)
                        return render(request, "privacy/erasure.html", _erasure_context(job))
                    return redirect("privacy:erasure", pk=job.pk)
                done = erasures.erase_now(user, kind)
                if kind == "account":
                    logout(request)
            return render(
                request,
                "privacy/deleted.html",
                {"page": "privacy", "info": info, "kind": kind, "counts": _labelled(done)},
            )
    return render(
        request,
        "privacy/delete_confirm.html",
        {
            "page": "privacy",
            "kind": kind,
            "info": info,
            "counts": _labelled(_counts_for(kind, user)),
            "error": error,
        },
        status=400 if error else 200,
    )


def _erasure_context(job) -> dict:
    """The erasure page, for its owner logged in and, for an account (whose owner is
    logged out and can no longer log in), for whoever holds the page's signed link."""
    return {
        "page": "privacy",
        "info": DELETIONS[job.kind],
        "job": job,
        "counts": _labelled(job.counts),
        "total": erasures.total(job),
        "needs_help": job.status == ErasureStatus.FAILED and job.retry_at is None,
        "status_url": reverse("privacy:erasure-status", args=[erasures.status_token(job)]),
    }


@login_required
def erasure(request, pk):
    """How far a background "delete all my photos" has got (reloads itself until done); a
    POST tries a failed one again now."""
    job = fetchers.get_erasure_for_user(request.user, pk)
    if request.method == "POST":
        if erasures.retry(job):
            messages.success(request, "Trying again now: the deletion goes on where it stopped.")
        return redirect("privacy:erasure", pk=job.pk)
    return render(request, "privacy/erasure.html", _erasure_context(job))


def erasure_status(request, token):
    """An account's erasure, for its owner, who is logged out and locked while it runs:
    the signed link of the page they were shown. A job that is gone went with the account."""
    pk = erasures.job_for_token(token)
    if pk is None:
        raise Http404("No such erasure.")
    job = ErasureJob.objects.filter(pk=pk).first()
    if job is None:
        return render(request, "privacy/erasure_gone.html", {"info": DELETIONS["account"]})
    if request.method == "POST":
        erasures.retry(job)
        return redirect("privacy:erasure-status", token=token)
    return render(request, "privacy/erasure.html", _erasure_context(job))

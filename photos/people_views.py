"""People pages, face crops, analysis progress and retries (routed in photos/people_urls.py)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from photos import people
from photos.analysis import progress as analysis_progress
from photos.analysis import queue as analysis_queue
from photos.fetchers import (
    get_face_for_user,
    get_merge_for_user,
    get_person_for_user,
    get_photo_for_user,
)
from photos.models import Face, Person, Photo
from privacy import consent
from privacy.models import Scope
from project.files import private_file_response
from project.lookups import parse_ids


def _faces_allowed(user) -> bool:
    return consent.allows(user, Scope.FACE_ANALYSIS)


def _back(request, fallback):
    target = request.POST.get("next") or request.headers.get("Referer") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


# A verb that lost a race to another request: the person was merged or forgotten
# meanwhile (404), the merge undone already or changed (409).
RACE_CODES = {"gone", "already_undone", "conflict"}


def _refused(request, exc: people.PeopleError, fallback):
    """The loser of a race gets a page that says what happened, with its 4xx status; any
    other refusal is a message on the page the user came from (`fallback`)."""
    if exc.code in RACE_CODES:
        return render(
            request,
            "photos/person_refused.html",
            {"message": str(exc), "page": "people"},
            status=exc.status,
        )
    messages.error(request, str(exc))
    return fallback


@login_required
@require_GET
def people_list(request):
    allowed = _faces_allowed(request.user)
    visible = hidden = merges = []
    if allowed:
        everyone = people.people_with_counts(request.user)
        visible = list(everyone.visible().listed())
        hidden = list(everyone.filter(hidden=True))
        merges = list(people.merge_history(request.user))
    return render(
        request,
        "photos/people.html",
        {
            "people": visible,
            "hidden_people": hidden,
            "merges": merges,
            "faces_allowed": allowed,
            "page": "people",
        },
    )


@login_required
@require_GET
def person_detail(request, pk):
    if not _faces_allowed(request.user):
        raise Http404("Face analysis is off.")
    person = get_person_for_user(request.user, pk)
    photos = (
        Photo.objects.for_owner(request.user)
        .live()
        .filter(faces__person=person)
        .distinct()
        # The faces in one query, for the face-aware square crops of the grid.
        .prefetch_related("faces")[:500]
    )
    faces = list(
        person.faces.shown()
        .filter(photo__trashed_at__isnull=True)
        .select_related("photo")
        .order_by("-clear", "-det_score")[:500]
    )
    others = (
        Person.objects.for_owner(request.user)
        .filter(pack=person.pack)
        .exclude(pk=person.pk)
        .order_by("name", "pk")
    )
    return render(
        request,
        "photos/person.html",
        {
            "person": person,
            "photos": photos,
            "faces": faces,
            "others": others,
            "page": "people",
        },
    )


@login_required
@require_POST
def person_update(request, pk):
    person = get_person_for_user(request.user, pk)
    fields = {}
    if "name" in request.POST:
        fields["name"] = request.POST["name"]
    if "birthday" in request.POST:
        raw = request.POST["birthday"].strip()
        try:
            fields["birthday"] = date.fromisoformat(raw) if raw else None
        except ValueError:
            messages.error(request, "The birthday must be a date like 1990-04-23.")
            return redirect("photos:person", pk=person.pk)
    if "hidden" in request.POST:
        fields["hidden"] = request.POST["hidden"] == "1"
    if fields:
        people.update_person(person, **fields)
        messages.success(request, "Saved.")
    return redirect("photos:person", pk=person.pk)


@login_required
@require_GET
def person_merge_confirm(request, pk):
    """Both people's faces side by side before the user confirms the merge."""
    if not _faces_allowed(request.user):
        raise Http404("Face analysis is off.")
    person = get_person_for_user(request.user, pk)
    into_id = request.GET.get("into", "")
    if not into_id:
        messages.error(request, "Choose the person to merge with.")
        return redirect("photos:person", pk=person.pk)
    into = get_person_for_user(request.user, into_id)  # "abc" or anyone else's: 404
    if into.pk == person.pk:
        messages.error(request, "A person cannot be merged into themselves.")
        return redirect("photos:person", pk=person.pk)
    sides = [
        (p, list(p.faces.shown().order_by("-clear", "-det_score")[:24])) for p in (person, into)
    ]
    preview = people.merge_preview(person, into)
    # The photos that stop the merge, to open and correct (at most a page of them).
    shared = Photo.objects.for_owner(request.user).filter(pk__in=preview["shared_photo_ids"])
    return render(
        request,
        "photos/person_merge.html",
        {
            "person": person,
            "into": into,
            "sides": sides,
            "preview": preview,
            "shared": list(shared[:48]),
            "page": "people",
        },
    )


@login_required
@require_POST
def person_merge(request, pk):
    person = get_person_for_user(request.user, pk)
    into_id = request.POST.get("into", "")
    if not into_id:
        messages.error(request, "Choose the person to merge with.")
        return redirect("photos:person", pk=person.pk)
    into = get_person_for_user(request.user, into_id)  # "abc" or anyone else's: 404
    try:
        merged = people.merge(person, into)
    except people.PeopleError as exc:
        return _refused(request, exc, redirect("photos:person", pk=person.pk))
    messages.success(request, "Merged. You can undo it from the People page.")
    return redirect("photos:person", pk=merged.pk)


@login_required
@require_POST
def merge_undo(request, pk):
    record = get_merge_for_user(request.user, pk)
    try:
        source = people.undo_merge(record)
    except people.PeopleError as exc:
        return _refused(request, exc, redirect("photos:people"))
    messages.success(request, f"Merge undone: {source} is a person of their own again.")
    return redirect("photos:person", pk=source.pk)


@login_required
@require_POST
def person_faces(request, pk):
    """The person page's multi-select: "not this person" or "not a face" for many faces."""
    person = get_person_for_user(request.user, pk)
    ids = parse_ids(request.POST.getlist("faces"), limit=500)
    faces = list(Face.objects.filter(owner=request.user, person=person, pk__in=ids))
    action = request.POST.get("action")
    if not faces or action not in ("reject", "dismiss"):
        messages.error(request, "Select faces, then choose what they are.")
        return redirect("photos:person", pk=person.pk)
    if action == "reject":
        done = people.reject_faces(faces)
        messages.success(request, f"{done} face{'s' if done != 1 else ''} taken off {person}.")
    else:
        done = people.dismiss_faces(faces)
        messages.success(request, f"{done} false detection{'s' if done != 1 else ''} hidden.")
    if not Person.objects.filter(pk=person.pk).exists():
        return redirect("photos:people")
    return redirect("photos:person", pk=person.pk)


@login_required
@require_http_methods(["GET", "POST"])
def person_forget(request, pk):
    """GET: what forgetting deletes, with counts. POST: forget."""
    if not _faces_allowed(request.user):
        raise Http404("Face analysis is off.")
    person = get_person_for_user(request.user, pk)
    if request.method == "GET":
        counts = people.forget_preview(person)
        return render(
            request,
            "photos/person_forget.html",
            {"person": person, "counts": counts, "page": "people"},
        )
    keep = request.POST.get("keep_faces") == "1"
    try:
        counts = people.forget(person, keep_faces=keep)
    except people.PeopleError as exc:
        return _refused(request, exc, redirect("photos:people"))
    messages.success(
        request,
        f"Forgotten: the person, {counts['faces']} face{'s' if counts['faces'] != 1 else ''}"
        + (" (kept as unrecognised)" if keep else "")
        + f" and {counts['suggestions']} suggestion{'s' if counts['suggestions'] != 1 else ''}.",
    )
    return redirect("photos:people")


@login_required
@require_POST
def face_reject(request, pk):
    face = get_face_for_user(request.user, pk)
    try:
        people.reject_face(face)
    except people.PeopleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Removed. This face will not be added to that person again.")
    return _back(request, "photos:people")


@login_required
@require_POST
def face_dismiss(request, pk):
    face = get_face_for_user(request.user, pk)
    people.dismiss_faces([face])
    messages.success(request, "Hidden: it will not be shown or grouped again.")
    return _back(request, "photos:people")


@login_required
@require_POST
def face_assign(request, pk):
    face = get_face_for_user(request.user, pk)
    person_id = request.POST.get("person", "")
    name = request.POST.get("name", "").strip()
    move_other = request.POST.get("move_other") == "1"
    try:
        if person_id:
            # A malformed id or anyone else's person is a 404, as in the URL.
            target = get_person_for_user(request.user, person_id)
            person = people.assign_face(face, target, move_other=move_other)
        elif name:
            person = people.assign_face(face, None, name=name)
        else:
            messages.error(request, "Choose a person or type a new name.")
            return _back(request, "photos:people")
    except people.PeopleError as exc:
        messages.error(request, str(exc))
        return _back(request, "photos:people")
    messages.success(request, f"The face is now on {person}.")
    return _back(request, "photos:people")


@login_required
@require_GET
def face_crop(request, pk):
    """The face's crop thumbnail, to its owner only."""
    face = get_face_for_user(request.user, pk, Face.objects.exclude(crop=""))
    return private_file_response(request, face.crop.name, "image/jpeg")


@login_required
@require_GET
def progress(request):
    """The dashboard's live progress (polled by static/js/progress.js)."""
    data = analysis_progress.progress(request.user)
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def retry_photo(request, pk):
    """Queue the failed or stuck steps of one photo again (the button on the photo page)."""
    photo = get_photo_for_user(request.user, pk)
    if analysis_queue.retry_failed(Photo.objects.filter(pk=photo.pk)):
        messages.success(request, "The failed or stuck steps were queued again.")
    else:
        messages.info(request, "No step of this photo has failed or is stuck.")
    return redirect("photos:photo", pk=photo.pk)

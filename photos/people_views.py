"""People pages, face crops, analysis progress and retries (routed in photos/people_urls.py)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from photos import people
from photos.analysis import progress as analysis_progress
from photos.analysis import queue as analysis_queue
from photos.fetchers import get_face_for_user, get_person_for_user, get_photo_for_user
from photos.models import Face, Person, Photo
from privacy import consent
from privacy.models import Scope
from project.files import private_file_response


def _faces_allowed(user) -> bool:
    return consent.allows(user, Scope.FACE_ANALYSIS)


def _back(request, fallback):
    target = request.POST.get("next") or request.headers.get("Referer") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_GET
def people_list(request):
    allowed = _faces_allowed(request.user)
    visible = hidden = []
    if allowed:
        everyone = people.people_with_counts(request.user)
        visible = list(everyone.visible())
        hidden = list(everyone.filter(hidden=True))
    return render(
        request,
        "photos/people.html",
        {"people": visible, "hidden_people": hidden, "faces_allowed": allowed, "page": "people"},
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
        person.faces.filter(photo__trashed_at__isnull=True)
        .select_related("photo")
        .order_by("-det_score")[:200]
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
        messages.error(request, str(exc))
        return redirect("photos:person", pk=person.pk)
    messages.success(request, "Merged.")
    return redirect("photos:person", pk=merged.pk)


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
def face_assign(request, pk):
    face = get_face_for_user(request.user, pk)
    person_id = request.POST.get("person", "")
    name = request.POST.get("name", "").strip()
    try:
        if person_id:
            # A malformed id or anyone else's person is a 404, as in the URL.
            person = people.assign_face(face, get_person_for_user(request.user, person_id))
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
    """Queue the failed steps of one photo again (the button on the photo page)."""
    photo = get_photo_for_user(request.user, pk)
    if analysis_queue.retry_failed(Photo.objects.filter(pk=photo.pk)):
        messages.success(request, "The failed steps were queued again.")
    else:
        messages.info(request, "No step of this photo has failed.")
    return redirect("photos:photo", pk=photo.pk)

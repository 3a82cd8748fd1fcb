"""Records staff access to a user's data in the admin, for that user's privacy page.

Every admin change form, delete page, history page and change list a staff member or
moderator opens, every search or filter of a change list and every autocomplete search,
and every change, deletion or bulk action they make, is written to AccessLog once per user
whose data it showed or touched. A search or filter that found nothing still told its
author something: it is logged for the user it named (`?user__id__exact=`), or else for
every user whose rows it searched.
"""

import json
import logging

from django.apps import apps
from django.contrib.admin.views.main import ERROR_FLAG, IGNORED_PARAMS, PAGE_VAR
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import Resolver404, resolve

from project.admin import OWNER_FIELDS as OWNER_FILTERS
from project.lookups import parse_id

logger = logging.getLogger(__name__)

# Admin views by the suffix of their URL name; the prefix is "<app_label>_<model_name>".
# "password_change" (the user admin's set-password form) before "change", which it ends with.
VIEW_KINDS = {
    "password_change": "changed",
    "change": "viewed",
    "delete": "deleted",
    "history": "viewed",
    "changelist": "listed",
}
# Models whose admin pages are about staff work, not about a user's data.
SKIP_MODELS = {("privacy", "accesslog"), ("privacy", "consentterms")}
OWNER_FIELDS = ("owner", "user", "subject")
PARENT_FIELDS = ("photo", "suggestion", "face", "person")


def owner_path(model) -> str | None:
    """The lookup from `model` to the user whose data a row is, or None if it has none."""
    user_model = get_user_model()
    if model is user_model:
        return "pk"
    fields = {f.name: f for f in model._meta.get_fields() if isinstance(f, models.ForeignKey)}
    for name in OWNER_FIELDS:
        field = fields.get(name)
        if field is not None and field.related_model is user_model:
            return f"{name}_id"
    for name in PARENT_FIELDS:
        field = fields.get(name)
        if field is not None:
            parent = owner_path(field.related_model)
            if parent is not None:
                return f"{name}__{parent.removesuffix('_id')}"
    return None


def _model_for(url_name: str):
    """(User, 'change') from 'accounts_user_change', or None."""
    # Django's UserAdmin names its set-password view after auth.User whatever the model.
    if url_name == "auth_user_password_change":
        return get_user_model(), "password_change"
    for suffix in VIEW_KINDS:
        if url_name.endswith("_" + suffix):
            prefix = url_name[: -len(suffix) - 1]
            for model in apps.get_models():
                meta = model._meta
                if f"{meta.app_label}_{meta.model_name}" == prefix:
                    return model, suffix
    return None


def _subjects(model, pks) -> set[int]:
    path = owner_path(model)
    if path is None or not pks:
        return set()
    return set(
        model._default_manager.filter(pk__in=list(pks))
        .values_list(path, flat=True)
        .distinct()
        .exclude(**{f"{path}__isnull": True})
    )


def _everyone_in(queryset) -> set[int]:
    """Every user with a row in `queryset`: whose data a search over it went through."""
    path = owner_path(queryset.model)
    if path is None:
        return set()
    return set(
        queryset.order_by()
        .values_list(path, flat=True)
        .distinct()
        .exclude(**{f"{path}__isnull": True})
    )


def _query(request) -> dict[str, str]:
    """The search and filters of a change list, without paging and ordering."""
    return {
        key: value
        for key, value in request.GET.items()
        if value and (key == "q" or key not in (*IGNORED_PARAMS, PAGE_VAR, ERROR_FLAG))
    }


def _named_users(query: dict[str, str]) -> set[int]:
    """The users a change list's owner filter names (`?user__id__exact=7`)."""
    named = set()
    for key, value in query.items():
        field = key.split("__", 1)[0]
        if field in OWNER_FILTERS and key in (field, f"{field}__exact", f"{field}__id__exact"):
            pk = parse_id(value)
            if pk is not None:
                named.add(pk)
    return named


def _autocomplete_model(request):
    """The model the admin's autocomplete searches (the remote end of `field_name`)."""
    try:
        source = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        return source._meta.get_field(request.GET["field_name"]).remote_field.model
    except (KeyError, LookupError, AttributeError, ValueError, FieldDoesNotExist):
        return None  # the view refuses it too


class AdminAccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        target = self._target(request)
        if target is None:
            return self.get_response(request)
        model, kind, object_id = target
        before = set()
        # A change or delete may remove the row: find whose it is before the view runs.
        if request.method == "POST":
            try:
                if object_id is not None:
                    before = _subjects(model, [object_id])
                elif kind == "changelist" and request.POST.get("action"):
                    before = _subjects(model, request.POST.getlist("_selected_action"))
            except (ValueError, TypeError):
                before = set()
        response = self.get_response(request)
        try:
            self._log(request, response, model, kind, object_id, before)
        except Exception:  # the log must never break the admin page it describes
            logger.exception("could not write the admin access log for %s", request.path)
        return response

    def _target(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.namespace != "admin" or not match.url_name:
            return None
        if match.url_name == "autocomplete":
            model = _autocomplete_model(request)
            found = (model, "autocomplete") if model is not None else None
        else:
            found = _model_for(match.url_name)
        if found is None:
            return None
        model, suffix = found
        if (model._meta.app_label, model._meta.model_name) in SKIP_MODELS:
            return None
        if owner_path(model) is None:
            return None
        return model, suffix, match.kwargs.get("object_id") or match.kwargs.get("id")

    def _log(self, request, response, model, suffix, object_id, before):
        from privacy.models import AccessLog

        label = model._meta.verbose_name
        entries: list[tuple[int, str, str]] = []
        if request.method == "POST":
            if response.status_code not in (301, 302, 303):
                return  # an invalid form changed nothing
            if object_id is not None:
                action = "deleted" if suffix == "delete" else "changed"
                what = "password" if suffix == "password_change" else f"{label} {object_id}"
                entries = [(s, action, what) for s in before]
            elif before:
                action_name = request.POST.get("action", "action")
                entries = [(s, "changed", f"{label}: {action_name}") for s in before]
        elif request.method == "GET" and response.status_code == 200:
            context = getattr(response, "context_data", None) or {}
            plural = model._meta.verbose_name_plural
            if suffix == "changelist":
                changelist = context.get("cl")
                rows = list(getattr(changelist, "result_list", []) or [])
                subjects = _subjects(model, [row.pk for row in rows])
                query = _query(request)
                what = f"list of {plural}"
                if query:
                    what += " (" + ", ".join(f"{k}={v}" for k, v in query.items()) + ")"
                entries = [(s, "listed", what) for s in subjects]
                if query and not rows:
                    searched = _named_users(query) or _everyone_in(changelist.root_queryset)
                    entries = [(s, "searched", f"{what}: found nothing") for s in searched]
            elif suffix == "autocomplete":
                term = request.GET.get("term", "")
                try:
                    ids = [row["id"] for row in json.loads(response.content)["results"]]
                except (ValueError, KeyError, TypeError):
                    ids = []
                subjects = _subjects(model, [pk for pk in map(parse_id, ids) if pk])
                what = f"search of {plural} for {term!r}"
                entries = [(s, "searched", what) for s in subjects]
                if term and not ids:
                    entries = [
                        (s, "searched", f"{what}: found nothing")
                        for s in _everyone_in(model._default_manager.all())
                    ]
            elif object_id is not None and suffix != "password_change":
                obj = context.get("original") or context.get("object")
                pk = obj.pk if obj is not None else object_id
                entries = [(s, "viewed", f"{label} {pk}") for s in _subjects(model, [pk])]
        actor = request.user
        # A user the request deleted (the admin's user delete) has no log left to write to:
        # the erasure took their access log with the account, and the admin's own history
        # keeps that staff deleted an account (privacy.admin.UserAdmin.log_deletions).
        subjects = {subject for subject, _action, _what in entries}
        alive = set(get_user_model().objects.filter(pk__in=subjects).values_list("pk", flat=True))
        entries = [entry for entry in entries if entry[0] in alive]
        AccessLog.objects.bulk_create(
            [
                AccessLog(
                    subject_id=subject,
                    actor=actor,
                    actor_name=actor.get_username(),
                    action=action,
                    what=what[:300],
                    path=request.get_full_path()[:500],
                )
                for subject, action, what in entries
                if subject != actor.pk
            ],
            batch_size=500,
        )

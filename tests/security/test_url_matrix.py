"""Every URL pattern of the site, tried as anonymous, the owner (alice), another user (bob)
and a moderator.

The list of patterns comes from the root URLconf, walked recursively (pages, the API, the
admin and every media view). Each pattern needs an entry in URLS (or, for the admin's
per-model pages, in ADMIN_MODELS) saying how to build it from alice's objects and who may get
through; a pattern without an entry fails `test_it_knows_every_url_pattern`, so a new URL
cannot slip past this matrix.

Expected, unless an entry says otherwise:
- anonymous: pages redirect to the login page, the API answers 401;
- another user and a moderator: 404 for alice's objects; their own (empty) lists otherwise,
  without a byte of alice's;
- the moderator gets into the admin only, and there only as far as the Moderators group's
  permissions go;
- the owner gets through.
Refused requests must change nothing (checked with a fingerprint of alice's data).
"""

import re
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tests.security.world import World, build_world

# --- What kind of URL it is ------------------------------------------------------------
PUBLIC = "public"  # anyone (login, sign-up, health, schema); only: no 5xx, no leak
PAGE = "page"  # login required, shows the visitor's own data
OWNED = "owned"  # login required, names one of alice's objects: everyone else gets 404
API_PUBLIC = "api-public"  # no authentication needed (register, token)
API = "api"  # token required, the visitor's own data
API_OWNED = "api-owned"  # token required, one of alice's objects: everyone else gets 404
ADMIN = "admin"  # staff only, and then by permission


@dataclass(frozen=True)
class Try:
    method: str = "GET"
    owner: tuple[int, ...] = (200,)  # what alice (or, for PUBLIC, anyone) may get
    data: dict | None = None
    # Moderator's expected statuses in the admin (ADMIN only).
    moderator: tuple[int, ...] = ()
    # PAGE and API: what bob and the moderator (users without alice's consents) may get,
    # when it differs from the owner's.
    others: tuple[int, ...] = ()


@dataclass(frozen=True)
class Url:
    kind: str
    # URL keyword argument -> what to put in it: an attribute path on alice's world
    # ("photo.pk") or a literal prefixed with "=".
    args: dict[str, str] = field(default_factory=dict)
    tries: tuple[Try, ...] = (Try(),)
    # A known defect of someone else's code: the test is a strict xfail naming it.
    xfail: str = ""


GET = Try()
POST_FORM = Try("POST", owner=(200, 302))


def page(**args):
    return Url(PAGE, args)


def owned(*tries, **args):
    return Url(OWNED, args, tries or (GET,))


def api(*tries, **args):
    return Url(API, args, tries or (GET,))


def api_owned(*tries, **args):
    return Url(API_OWNED, args, tries or (GET,))


def public(*tries, **args):
    return Url(PUBLIC, args, tries or (GET,))


# One entry per URL pattern, keyed by the pattern as the URLconf spells it.
URLS: dict[str, Url] = {
    # accounts
    "": public(),  # the landing page for visitors, the dashboard for users
    "healthz/": public(),
    "signup/": public(Try(owner=(200, 302))),
    "login/": public(Try(owner=(200, 302))),
    "logout/": public(Try("POST", owner=(200, 302))),
    "profile/": page(),
    # The link emailed to a new address: anyone may open it; a bad token is a 400.
    "profile/email/<str:token>/": public(GET, Try("POST", owner=(400,)), token="=bad-token"),
    "devices/": page(),
    "devices/<int:pk>/revoke/": owned(Try("POST", owner=(302,)), pk="device.pk"),
    # Without a name: refused (400), no password made.
    "devices/app-password/": Url(PAGE, tries=(Try("POST", owner=(400,)),)),
    "password/change/": page(),
    "password/change/done/": page(),
    "password/reset/": public(),
    "password/reset/done/": public(),
    "password/reset/<uidb64>/<token>/": public(uidb64="=MQ", token="=bad-token"),
    "password/reset/complete/": public(),
    # library
    "library/": page(),
    "library/upload/": page(),
    # Bob posting alice's ids deletes nothing of hers (the fingerprint proves it).
    "library/delete/": Url(PAGE, tries=(Try("POST", owner=(302,), data={"ids": "@photo.pk"}),)),
    "library/photo/<int:pk>/": owned(pk="photo.pk"),
    "library/photo/<int:pk>/delete/": owned(Try("POST", owner=(302,)), pk="photo.pk"),
    # Every kind (and 404 for the others) is tried in tests/photos/test_media.py.
    "library/photo/<int:pk>/file/<str:kind>/": owned(pk="photo.pk", kind="=original"),
    # The signature is the authorisation (expiry: tests/photos/test_media.py); forged: refused.
    "library/media/<str:token>/": public(Try(owner=(403,)), token="=forged-token"),
    "library/people/": page(),
    "library/people/<int:pk>/": owned(pk="person.pk"),
    "library/people/<int:pk>/edit/": owned(
        Try("POST", (302,), {"name": "renamed by a stranger"}), pk="person.pk"
    ),
    "library/people/<int:pk>/merge/": owned(
        Try("POST", (302,), {"into": "@person.pk"}), pk="person.pk"
    ),
    # Without ?into= the owner is sent back to the person page.
    "library/people/<int:pk>/merge/confirm/": owned(Try(owner=(302,)), pk="person.pk"),
    "library/people/<int:pk>/faces/": owned(
        Try("POST", (302,), {"faces": "@face.pk", "action": "none"}), pk="person.pk"
    ),
    # The preview only (forgetting for real: tests/photos/test_people_controls.py).
    "library/people/<int:pk>/forget/": owned(pk="person.pk"),
    # The world's merge is already undone: 409 and a page saying so, for the owner.
    "library/people/merges/<int:pk>/undo/": owned(Try("POST", owner=(409,)), pk="merge.pk"),
    "library/faces/<int:pk>/dismiss/": owned(Try("POST", owner=(302,)), pk="face.pk"),
    "library/faces/<int:pk>/crop/": owned(pk="face.pk"),
    "library/faces/<int:pk>/reject/": owned(Try("POST", owner=(302,)), pk="face.pk"),
    "library/faces/<int:pk>/assign/": owned(
        Try("POST", (302,), {"person": "@person.pk"}), pk="face.pk"
    ),
    "library/analysis/progress/": page(),
    "library/photo/<int:pk>/retry/": owned(Try("POST", owner=(302,)), pk="photo.pk"),
    # The viewer, search and the trash (tests/photos/test_viewer.py, test_search.py, test_trash.py).
    "library/photo/<int:pk>/info/": owned(pk="photo.pk"),
    "library/search/": page(),
    "library/search/suggest/": page(),
    "library/trash/": page(),
    # Bob restoring or deleting alice's ids touches nothing of hers (the fingerprint).
    "library/trash/restore/": Url(PAGE, tries=(Try("POST", (302,), {"ids": "@photo.pk"}),)),
    "library/trash/delete/": Url(
        PAGE, tries=(Try(owner=(302,)), Try("POST", (302,), {"ids": "@photo.pk", "confirm": "1"}))
    ),
    "library/trash/empty/": Url(PAGE, tries=(GET, Try("POST", owner=(302,)))),
    "library/albums/": page(),
    "library/albums/new/": Url(PAGE, tries=(Try("POST", (302,), {"title": "new"}),)),
    "library/albums/<int:pk>/": owned(pk="user_album.pk"),
    "library/albums/<int:pk>/rename/": owned(
        Try("POST", (302,), {"title": "renamed by a stranger"}), pk="user_album.pk"
    ),
    "library/albums/<int:pk>/add/": owned(
        Try("POST", (302,), {"ids": "@other_photo.pk"}), pk="user_album.pk"
    ),
    "library/albums/<int:pk>/remove/": owned(
        Try("POST", (302,), {"ids": "@photo.pk"}), pk="user_album.pk"
    ),
    "library/albums/<int:pk>/cover/": owned(
        Try("POST", (302,), {"photo": "@photo.pk"}), pk="user_album.pk"
    ),
    "library/albums/<int:pk>/delete/": owned(GET, Try("POST", (302,)), pk="user_album.pk"),
    # suggestions
    "suggestions/": page(),
    "suggestions/generate/": Url(PAGE, tries=(POST_FORM,)),
    "suggestions/<int:pk>/": owned(pk="suggestion.pk"),
    "suggestions/<int:pk>/image/": owned(pk="suggestion.pk"),
    "suggestions/<int:pk>/seen/": owned(Try("POST", owner=(302,)), pk="suggestion.pk"),
    "suggestions/<int:pk>/save/": owned(Try("POST", owner=(302,)), pk="suggestion.pk"),
    "suggestions/<int:pk>/dismiss/": owned(Try("POST", owner=(302,)), pk="suggestion.pk"),
    "suggestions/<int:pk>/story/": owned(pk="suggestion.pk"),
    "suggestions/<int:pk>/video/": owned(Try("POST", owner=(302,)), pk="suggestion.pk"),
    "suggestions/<int:pk>/video/status/": owned(pk="suggestion.pk"),
    # No video rendered in this world: the owner gets a 404 too, others the same 404.
    "suggestions/<int:pk>/video/file/": owned(Try("GET", owner=(404,)), pk="suggestion.pk"),
    "suggestions/albums/": page(),
    "suggestions/albums/<int:pk>/": owned(pk="album.pk"),
    "suggestions/settings/": page(),
    # Empty: a 400 with the form's errors, for anyone logged in.
    "suggestions/settings/add/": Url(PAGE, tries=(Try("POST", owner=(400,)),)),
    "suggestions/settings/<int:pk>/delete/": owned(
        Try("POST", owner=(302,)), pk="memory_control.pk"
    ),
    # privacy: the user-wide verbs act on the visitor's own data only.
    "privacy/": page(),
    "privacy/welcome/": page(),
    "privacy/scopes/<str:scope>/": Url(
        PAGE,
        {"scope": "=face_analysis"},
        (Try("POST", (302,), {"action": "revoke", "confirm": "yes"}),),
    ),
    "privacy/stop/": Url(PAGE, tries=(GET, Try("POST", owner=(302,), data={"confirm": "yes"}))),
    "privacy/retention/": Url(PAGE, tries=(GET, Try("POST", (302,), {"choice": "keep"}))),
    "privacy/exports/": Url(PAGE, tries=(Try("POST", owner=(302,)),)),
    "privacy/exports/<int:pk>/status/": owned(pk="export.pk"),
    "privacy/exports/<int:pk>/download/": owned(pk="export.pk"),
    "privacy/erasures/<int:pk>/": owned(pk="erasure.pk"),
    # The logged-out owner's signed link (test_erasure_batches.py); a forged one is a 404.
    "privacy/erasures/status/<str:token>/": public(
        Try(owner=(404,)), Try("POST", owner=(404,)), token="=1:forged:signature"
    ),
    "privacy/delete/<str:kind>/": Url(
        PAGE, {"kind": "=derived"}, (GET, Try("POST", (200,), {"confirm": "yes"}))
    ),
    # API
    # The WebDAV drop signs in with an app password only: a session is no way in
    # (tests/photos/test_dav.py tries every method and another user's app password).
    "dav/": public(Try(owner=(401,))),
    "dav/<path:path>": public(Try(owner=(401,)), path="=Camera/IMG_1.jpg"),
    "api/v1/schema/": public(),
    "api/v1/docs/": public(),
    "api/v1/auth/register/": Url(API_PUBLIC, tries=(Try("POST", owner=(400,), data={}),)),
    "api/v1/auth/token/": Url(API_PUBLIC, tries=(Try("POST", owner=(400,), data={}),)),
    "api/v1/devices/": api(),
    "api/v1/devices/<int:pk>/": api_owned(Try("DELETE", owner=(204,)), pk="device.pk"),
    "api/v1/consent/": api(GET, Try("POST", (200,), {"scope": "ai_training", "granted": True})),
    "api/v1/privacy/analysis/": api(),
    "api/v1/privacy/stop-processing/": api(GET, Try("POST", owner=(200,))),
    # Bob and the moderator have not granted face_analysis: nothing to revoke.
    "api/v1/privacy/revocation/<str:scope>/": api(
        Try(owner=(200,), others=(400,)), scope="=face_analysis"
    ),
    "api/v1/privacy/retention/": api(Try("POST", (200, 400), {"choice": "keep"})),
    "api/v1/privacy/export/": api(Try("POST", owner=(202,))),
    "api/v1/privacy/export/<int:pk>/": api_owned(pk="export.pk"),
    "api/v1/privacy/export/<int:pk>/download/": api_owned(pk="export.pk"),
    "api/v1/privacy/derived-data/": api(Try("DELETE", owner=(200,))),
    # The preview only: deleting is tested in tests/privacy/test_erasure_jobs.py.
    "api/v1/privacy/photos/": api(),
    "api/v1/privacy/erasures/<int:pk>/": api_owned(pk="erasure.pk"),
    # Everyone's test password is the same: bob and the moderator delete their own account.
    "api/v1/account/": api(Try("DELETE", (200,), {"password": PASSWORD})),
    # The moderator has not granted camera_roll_sync: 403 naming the scope.
    "api/v1/sync/check/": api(
        Try("POST", (200,), {"items": [{"sha256": "0" * 64}]}, others=(200, 403))
    ),
    # JSON to a multipart-only endpoint: refused alike for everyone, no row stored.
    "api/v1/^photos/$": api(GET, Try("POST", owner=(400, 415), others=(400, 403, 415))),
    "api/v1/^photos/(?P<pk>[0-9]+)/$": api_owned(GET, Try("DELETE", owner=(204,)), pk="photo.pk"),
    "api/v1/^photos/(?P<pk>[0-9]+)/original/$": api_owned(pk="photo.pk"),
    "api/v1/^photos/(?P<pk>[0-9]+)/preview/$": api_owned(pk="photo.pk"),
    "api/v1/^photos/(?P<pk>[0-9]+)/thumbnail/$": api_owned(pk="photo.pk"),
    "api/v1/^photos/trash/$": api(),
    "api/v1/^photos/trash/empty/$": api(GET, Try("POST", owner=(200,))),
    "api/v1/^photos/(?P<pk>[0-9]+)/restore/$": api_owned(Try("POST", owner=(200,)), pk="photo.pk"),
    # alice's photo is not in the trash: deleting it forever is refused, to her too.
    "api/v1/^photos/(?P<pk>[0-9]+)/forever/$": api_owned(
        Try(owner=(404,)), Try("POST", owner=(404,)), pk="photo.pk"
    ),
    # Resumable uploads (tus): a JSON body without Tus-Resumable is refused (412) by the
    # protocol, after authentication and, for one upload, after the ownership check.
    "api/v1/uploads/": api(Try(owner=(405,)), Try("POST", owner=(412,))),
    "api/v1/uploads/<str:pk>/": api_owned(
        Try("PATCH", owner=(412,)), Try("DELETE", owner=(412,)), pk="upload.pk"
    ),
    "api/v1/processing/status/": api(),
    "api/v1/^people/$": api(),
    "api/v1/^people/(?P<pk>[0-9]+)/$": api_owned(
        GET, Try("PATCH", (200,), {"name": "renamed"}), pk="person.pk"
    ),
    "api/v1/^people/(?P<pk>[0-9]+)/cover/$": api_owned(pk="person.pk"),
    # Into itself: refused (400) for the owner, but only after the ownership check; the
    # preview without ?into= too.
    "api/v1/^people/(?P<pk>[0-9]+)/merge/$": api_owned(
        Try("GET", (400,)), Try("POST", (400,), {"into": "@person.pk"}), pk="person.pk"
    ),
    "api/v1/^people/(?P<pk>[0-9]+)/photos/$": api_owned(pk="person.pk"),
    "api/v1/^people/merges/$": api(),
    # A bad body: refused (400) for the owner, after the ownership check.
    "api/v1/^people/(?P<pk>[0-9]+)/faces/$": api_owned(
        Try("POST", (400,), {"faces": ["@face.pk"], "action": "none"}), pk="person.pk"
    ),
    "api/v1/^people/(?P<pk>[0-9]+)/forget/$": api_owned(pk="person.pk"),
    # The world's merge is already undone: 400 for the owner.
    "api/v1/^people/(?P<pk>[0-9]+)/undo-merge/$": api_owned(
        Try("POST", (400,), {"merge": "@merge.pk"}), pk="person.pk"
    ),
    "api/v1/^albums/$": api(GET, Try("POST", (201,), {"title": "new"})),
    "api/v1/^albums/(?P<pk>[0-9]+)/$": api_owned(
        GET,
        Try("PATCH", (200,), {"title": "renamed by a stranger"}),
        Try("DELETE", (200,)),
        pk="user_album.pk",
    ),
    "api/v1/^albums/(?P<pk>[0-9]+)/add/$": api_owned(
        Try("POST", (200,), {"photo_ids": ["@other_photo.pk"]}), pk="user_album.pk"
    ),
    "api/v1/^albums/(?P<pk>[0-9]+)/remove/$": api_owned(
        Try("POST", (200,), {"photo_ids": ["@photo.pk"]}), pk="user_album.pk"
    ),
    "api/v1/^albums/(?P<pk>[0-9]+)/deletion/$": api_owned(pk="user_album.pk"),
    "api/v1/^suggestions/$": api(),
    "api/v1/^suggestions/generate/$": api(Try("POST", owner=(202,))),
    "api/v1/^suggestions/(?P<pk>[0-9]+)/$": api_owned(pk="suggestion.pk"),
    "api/v1/^suggestions/(?P<pk>[0-9]+)/image/$": api_owned(pk="suggestion.pk"),
    "api/v1/^suggestions/(?P<pk>[0-9]+)/save/$": api_owned(
        Try("POST", owner=(200, 201)), pk="suggestion.pk"
    ),
    "api/v1/^suggestions/(?P<pk>[0-9]+)/seen/$": api_owned(
        Try("POST", owner=(200,)), pk="suggestion.pk"
    ),
    "api/v1/^suggestions/(?P<pk>[0-9]+)/dismiss/$": api_owned(
        Try("POST", owner=(200,)), pk="suggestion.pk"
    ),
    "api/v1/^suggestions/(?P<pk>[0-9]+)/story/$": api_owned(pk="suggestion.pk"),
    # 202 queued, or 409 when the world's alice has not granted cloud processing.
    "api/v1/^suggestions/(?P<pk>[0-9]+)/video/$": api_owned(
        Try("GET"), Try("POST", owner=(202, 409)), pk="suggestion.pk"
    ),
    # No video rendered in this world: a 404 for the owner too.
    "api/v1/^suggestions/(?P<pk>[0-9]+)/video/file/$": api_owned(
        Try("GET", owner=(404,)), pk="suggestion.pk"
    ),
    # A dry run saves nothing; for bob, alice's person is none of his: 400.
    "api/v1/^memory-controls/$": api(
        GET,
        Try(
            "POST",
            owner=(200,),
            others=(400,),
            data={"kind": "never_person", "person": "@person.pk", "dry_run": True},
        ),
    ),
    "api/v1/^memory-controls/(?P<pk>[0-9]+)/$": api_owned(
        GET, Try("DELETE", owner=(204,)), pk="memory_control.pk"
    ),
}

# --- The admin ------------------------------------------------------------------------
# Every model registered in the admin, with the object to open and what the Moderators
# group is meant to do with it (see accounts/migrations/0002_moderators_group.py).
# "view" covers the changelist, the change form (read-only) and the history.
ADMIN_MODELS: dict[str, tuple[str, frozenset[str]]] = {
    "accounts/user": ("user", frozenset({"view", "change"})),
    "accounts/device": ("device", frozenset({"view"})),
    "auth/group": ("group", frozenset()),
    "django_celery_beat/periodictask": ("periodictask", frozenset()),
    "django_celery_beat/clockedschedule": ("clockedschedule", frozenset()),
    "django_celery_beat/crontabschedule": ("crontabschedule", frozenset()),
    "django_celery_beat/solarschedule": ("solarschedule", frozenset()),
    "django_celery_beat/intervalschedule": ("intervalschedule", frozenset()),
    "privacy/consentterms": ("consentterms", frozenset({"view"})),
    "privacy/consentevent": ("consent_event", frozenset({"view"})),
    "privacy/processingrecord": ("record", frozenset({"view"})),
    "privacy/accesslog": ("accesslog", frozenset({"view"})),
    "privacy/exportjob": ("export", frozenset({"view"})),
    "privacy/erasurejob": ("erasure", frozenset({"view"})),
    "privacy/retentionrequest": ("retentionrequest", frozenset({"view"})),
    # The row (owner, size, status), never its pixels: see test_moderator.py.
    "photos/photo": ("photo", frozenset({"view"})),
    "photos/analysisstep": ("analysisstep", frozenset({"view"})),
    # Biometric data: staff only, never the Moderators group.
    "photos/face": ("face", frozenset()),
    "photos/person": ("person", frozenset()),
    # Staff only: the Moderators group has no permission on suggestions.
    "suggestions/suggestion": ("suggestion", frozenset()),
    "suggestions/album": ("album", frozenset()),
}
ADMIN_EXTRA: dict[str, Url] = {
    "admin/": Url(ADMIN, tries=(Try(moderator=(200,)),)),
    "admin/login/": public(Try(owner=(200, 302))),
    "admin/logout/": public(Try("POST", owner=(200, 302))),
    "admin/password_change/": Url(ADMIN, tries=(Try(moderator=(200,)),)),
    "admin/password_change/done/": Url(ADMIN, tries=(Try(moderator=(200,)),)),
    # Without its query parameters the autocomplete refuses everyone.
    "admin/autocomplete/": Url(ADMIN, tries=(Try(moderator=(403,)),)),
    "admin/jsi18n/": Url(ADMIN, tries=(Try(moderator=(200,)),)),
    # Users have no public page to jump to.
    "admin/r/<path:content_type_id>/<path:object_id>/": Url(
        ADMIN,
        {"content_type_id": "user_ct", "object_id": "user.pk"},
        (Try(moderator=(404,)),),
    ),
    # A moderator who can set a user's password can log in as that user and see the photos.
    "admin/accounts/user/<id>/password/": Url(
        ADMIN,
        {"id": "user.pk"},
        (Try(moderator=(403,)),),
    ),
    "admin/(?P<url>.*)$": Url(ADMIN, {"url": "=no-such-page/"}, (Try(moderator=(404,)),)),
}
_ADMIN_MODEL_ROUTE = re.compile(
    r"^admin/(?P<model>[a-z_]+/[a-z_]+)/(?P<suffix>|add/|<path:object_id>/"
    r"(?:history/|delete/|change/)?)$"
)
_ADMIN_APP_LIST = "admin/^(?P<app_label>"


def _admin_entry(route: str) -> Url | None:
    if route in ADMIN_EXTRA:
        return ADMIN_EXTRA[route]
    if route.startswith(_ADMIN_APP_LIST):
        return Url(ADMIN, {"app_label": "=accounts"}, (Try(moderator=(200,)),))
    match = _ADMIN_MODEL_ROUTE.match(route)
    if not match or match["model"] not in ADMIN_MODELS:
        return None
    obj, perms = ADMIN_MODELS[match["model"]]
    suffix = match["suffix"]
    readable = bool(perms & {"view", "change"})
    if suffix == "add/":
        allowed = "add" in perms
    elif suffix.endswith("delete/"):
        allowed = "delete" in perms
    else:
        allowed = readable
    status = 200 if allowed else 403
    if suffix == "<path:object_id>/":  # the old-style URL redirects to the change form
        status = 302
    return Url(ADMIN, {"object_id": f"admin.{obj}.pk"}, (Try(moderator=(status,)),))


# --- Walking the URLconf --------------------------------------------------------------
def all_routes() -> list[str]:
    def walk(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, route)
            else:
                yield route

    return list(dict.fromkeys(walk(get_resolver())))


def entry_for(route: str) -> Url | None:
    if route in URLS:
        return URLS[route]
    if route.startswith("admin/"):
        return _admin_entry(route)
    return None


_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")
_ROUTE_PARAM = re.compile(r"<(?:[^>:]+:)?(?P<name>\w+)>")


def build_url(route: str, values: dict[str, str]) -> str:
    url = _REGEX_GROUP.sub(lambda m: str(values[m["name"]]), route)
    url = _ROUTE_PARAM.sub(lambda m: str(values[m["name"]]), url)
    url = url.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + url


# --- Fixtures -------------------------------------------------------------------------
class Admin:
    """Objects of third-party models the admin lists, created on demand."""

    def __init__(self, world):
        self.world = world

    def __getattr__(self, name):
        from django.utils import timezone
        from django_celery_beat import models as beat

        from photos.models import AnalysisStep
        from privacy.models import AccessLog, ConsentTerms, RetentionRequest

        makers = {
            "user": lambda: self.world.user,
            "device": lambda: self.world.device,
            "group": lambda: Group.objects.get(name="Moderators"),
            "clockedschedule": lambda: beat.ClockedSchedule.objects.create(
                clocked_time=timezone.now()
            ),
            "crontabschedule": lambda: beat.CrontabSchedule.objects.create(),
            "solarschedule": lambda: beat.SolarSchedule.objects.create(
                event="sunrise", latitude=0, longitude=0
            ),
            "intervalschedule": lambda: beat.IntervalSchedule.objects.create(
                every=10, period="seconds"
            ),
            "periodictask": lambda: beat.PeriodicTask.objects.create(
                name="matrix",
                task="photos.tasks.sweep_pending",
                interval=beat.IntervalSchedule.objects.create(every=5, period="minutes"),
            ),
            "consentterms": lambda: ConsentTerms.objects.order_by("pk").first(),
            "analysisstep": lambda: AnalysisStep.objects.filter(photo=self.world.photo).first(),
            "accesslog": lambda: AccessLog.objects.create(
                subject=self.world.user, actor_name="mod", action="viewed", what="x", path="/"
            ),
            "retentionrequest": lambda: RetentionRequest.objects.get_or_create(
                user=self.world.user, defaults={"choice": "keep"}
            )[0],
        }
        if name in makers:
            return makers[name]()
        # Application models: the world's object of that name (photo, person, ...).
        return getattr(self.world, name)


def resolve_value(spec: str, world) -> str:
    if spec.startswith("="):
        return spec[1:]
    if spec == "user_ct":
        from django.contrib.contenttypes.models import ContentType

        return str(ContentType.objects.get_for_model(world.user).pk)
    obj = Admin(world) if spec.startswith("admin.") else world
    for part in spec.removeprefix("admin.").split("."):
        obj = getattr(obj, part)
    return str(obj)


def fingerprint(world) -> dict:
    """Alice's data in numbers: a refused request must leave every one unchanged."""
    from django.db.models import Count

    from accounts.models import Device
    from photos.models import Album as UserAlbum
    from photos.models import Face, Person, Photo, Tag
    from privacy import consent
    from privacy.models import ConsentEvent, ExportJob
    from suggestions.models import Album, MemoryControl, Suggestion

    user = world.user
    return {
        "photos": Photo.objects.filter(owner=user).count(),
        "trashed": Photo.objects.filter(owner=user).in_trash().count(),
        "pending": Photo.objects.filter(owner=user).exclude(analysis_status="done").count(),
        "faces": Face.objects.filter(owner=user).count(),
        "people": list(
            Person.objects.filter(owner=user).values_list("pk", "name", "hidden", "birthday")
        ),
        "tags": Tag.objects.filter(photo__owner=user).count(),
        "suggestions": list(
            Suggestion.objects.filter(owner=user).values_list("pk", "state").order_by("pk")
        ),
        "albums": Album.objects.filter(owner=user).count(),
        "user_albums": list(
            UserAlbum.objects.filter(owner=user)
            .annotate(n=Count("photos"))
            .values_list("pk", "title", "cover", "n")
            .order_by("pk")
        ),
        "memory_controls": list(
            MemoryControl.objects.filter(owner=user).values_list("pk", flat=True).order_by("pk")
        ),
        "exports": ExportJob.objects.filter(user=user).count(),
        "devices": list(Device.objects.filter(user=user).values_list("pk", "revoked_at")),
        "consent_events": ConsentEvent.objects.filter(user=user).count(),
        "consent": {s: st.granted for s, st in consent.states(user).items()},
        "user": type(user).objects.filter(pk=user.pk, is_active=True).exists(),
    }


@pytest.fixture
def matrix(db, alice, bob, moderator, photos_dir):
    from accounts.models import Device

    alice_world = build_world(alice, photos_dir, marker="alicemark")
    # Bob needs no data here (tests/api/test_ownership.py gives him some): a token will do.
    bob_world = World(user=bob, marker="bobmark", token=Device.issue(bob, "Bob phone")[1])
    return {"alice": alice_world, "bob": bob_world, "moderator": moderator}


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _client(kind: str, role: str, matrix):
    api_kind = kind in (API, API_OWNED, API_PUBLIC)
    if api_kind:
        client = APIClient()
        if role in ("alice", "bob"):
            client.credentials(HTTP_AUTHORIZATION=f"Token {matrix[role].token}")
        elif role == "moderator":
            from accounts.models import Device

            _, raw = Device.issue(matrix["moderator"], "Moderator phone")
            client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        return client
    client = Client()
    if role in ("alice", "bob"):
        client.force_login(matrix[role].user)
    elif role == "moderator":
        client.force_login(matrix["moderator"])
    return client


def _request(client, t: Try, url: str, world):
    method = getattr(client, t.method.lower())

    def filled(value):
        if isinstance(value, list):  # ids in a JSON list are numbers, not strings
            return [int(filled(v)) if str(v)[:1] == "@" else filled(v) for v in value]
        if isinstance(value, str) and value[:1] == "@":
            return resolve_value(value[1:], world)
        return value

    data = {key: filled(value) for key, value in (t.data or {}).items()}
    if isinstance(client, APIClient):
        return method(url, data, format="json")
    return method(url, data)


def _check_refusal(kind, role, t, url, response, world):
    status = response.status_code
    where = f"{t.method} {url} as {role}"
    assert status < 500, f"{where}: {status}"
    if role == "anonymous":
        if kind in (PAGE, OWNED):
            assert status in (302, 404), f"{where}: {status}, expected a login redirect"
            if status == 302:
                assert response["Location"].startswith("/login/"), response["Location"]
        elif kind in (API, API_OWNED):
            assert status == 401, f"{where}: {status}, expected 401"
            assert response.json()["code"] == "not_authenticated"
        elif kind == ADMIN:
            assert status == 302, f"{where}: {status}"
            assert response["Location"].startswith("/admin/login/"), response["Location"]
        return
    if kind in (OWNED, API_OWNED):
        assert status == 404, f"{where}: {status}, expected 404 (alice's object)"
    elif kind in (PAGE, API):
        assert status in (t.others or t.owner), f"{where}: {status}"
    elif kind == ADMIN:
        if role == "moderator":
            assert status in t.moderator, f"{where}: {status}, expected {t.moderator}"
        else:
            assert status == 302, f"{where}: {status}, a non-staff user got into the admin"
            assert response["Location"].startswith("/admin/login/"), response["Location"]
    if kind != ADMIN:
        body = _body(response)
        for secret in world.secrets:
            assert secret.encode() not in body, f"{where} shows alice's {secret!r}"
        for name, data in world.media_bytes():
            assert data not in body, f"{where} serves alice's file {name}"


# --- Tests ----------------------------------------------------------------------------
def test_it_knows_every_url_pattern():
    unknown = [route for route in all_routes() if entry_for(route) is None]
    assert not unknown, (
        "URL patterns the security matrix does not know how to try; add each to URLS (or "
        "its model to ADMIN_MODELS) in tests/security/test_url_matrix.py:\n  "
        + "\n  ".join(repr(r) for r in unknown)
    )


def test_it_has_no_stale_entries():
    routes = set(all_routes())
    stale = [route for route in URLS if route not in routes]
    stale += [r for r in ADMIN_EXTRA if r not in routes]
    registered = {m["model"] for r in routes if (m := _ADMIN_MODEL_ROUTE.match(r))}
    stale += [f"admin model {m}" for m in ADMIN_MODELS if m not in registered]
    assert not stale, f"entries for URLs that no longer exist: {stale}"


def test_it_lists_every_admin_app_that_has_models():
    routes = all_routes()
    app_list = next(r for r in routes if r.startswith(_ADMIN_APP_LIST))
    apps = set(re.search(r"\(\?P<app_label>([^)]*)\)", app_list)[1].split("|"))
    assert apps == {m.split("/")[0] for m in ADMIN_MODELS}


def _params():
    for route in all_routes():
        entry = entry_for(route)
        if entry is None:
            continue
        marks = [pytest.mark.xfail(strict=True, reason=entry.xfail)] if entry.xfail else []
        yield pytest.param(route, marks=marks, id=route)


@pytest.mark.parametrize("route", list(_params()))
def test_it_lets_only_the_owner_through(route, matrix):
    entry = entry_for(route)
    world = matrix["alice"]
    values = {name: resolve_value(spec, world) for name, spec in entry.args.items()}
    url = build_url(route, values)
    # Django drops the "^" that starts each regex segment when it joins routes.
    expected_route = re.sub(r"(^|/)\^", r"\1", route)
    assert resolve(url).route == expected_route, f"{url} does not resolve to {route}"
    before = fingerprint(world)
    for role in ("anonymous", "bob", "moderator"):
        for t in entry.tries:
            client = _client(entry.kind, role, matrix)
            response = _request(client, t, url, world)
            if entry.kind in (PUBLIC, API_PUBLIC):
                assert response.status_code < 500, (role, url, response.status_code)
                body = _body(response)
                assert not any(s.encode() in body for s in world.secrets), (role, url)
                continue
            _check_refusal(entry.kind, role, t, url, response, world)
    assert fingerprint(world) == before, f"a refused request to {url} changed alice's data"
    if entry.kind == ADMIN:
        return
    for t in entry.tries:
        response = _request(_client(entry.kind, "alice", matrix), t, url, world)
        assert response.status_code in t.owner, (
            f"{t.method} {url} as the owner: {response.status_code}, expected {t.owner}"
        )


@pytest.mark.parametrize("who", ["anonymous", "bob", "moderator"])
def test_no_file_of_alices_is_reachable_by_its_storage_path(who, matrix):
    """Originals, thumbnails, previews, face crops, rendered suggestions and the export ZIP:
    no URL built from a storage name serves their bytes."""
    world = matrix["alice"]
    client = _client(PAGE, who if who != "anonymous" else "anonymous", matrix)
    files = dict(world.media_bytes())
    assert len(files) >= 8
    for name, data in files.items():
        for prefix in ("/media/", "/static/", "/", "/library/", "/library/media/", "/var/media/"):
            response = client.get(prefix + name)
            assert response.status_code in (301, 302, 403, 404), (
                prefix + name,
                response.status_code,
            )
            assert data not in _body(response), f"{prefix}{name} served alice's file to {who}"

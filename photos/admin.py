from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.html import format_html

from photos import media, services
from photos.models import Photo
from project.admin import PersonalDataAdmin

CONTENT_PERMISSION = "photos.view_photo_content"
# What a moderator without the content permission sees: facts about the file, not its
# pixels, its name or where it was taken.
BLIND_FIELDS = (
    "owner",
    "sha256",
    "media_type",
    "content_type",
    "source",
    "file_size",
    "width",
    "height",
    "duration",
    "analysis_status",
    "queued_at",
    "uploaded_at",
)
CONTENT_FIELDS = (
    "content",
    "original_name",
    "taken_at",
    "taken_at_offset",
    "taken_at_source",
    "latitude",
    "longitude",
    "altitude",
    "camera_make",
    "camera_model",
    "device_asset_id",
)


@admin.register(Photo)
class PhotoAdmin(PersonalDataAdmin):
    list_display = ("id", "owner", "media_type", "file_size", "analysis_status", "uploaded_at")
    list_filter = ("media_type", "analysis_status", "source")
    list_select_related = ("owner",)
    search_fields = ("owner__username", "sha256")
    ordering = ("-uploaded_at",)
    show_full_result_count = False  # no COUNT(*) over every photo on each page

    def can_see_content(self, request) -> bool:
        return request.user.has_perm(CONTENT_PERMISSION)

    def get_list_display(self, request):
        if self.can_see_content(request):
            return ("id", "thumb", *self.list_display[1:])
        return self.list_display

    def get_fields(self, request, obj=None):
        if self.can_see_content(request):
            return (*BLIND_FIELDS, *CONTENT_FIELDS)
        return BLIND_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False  # photos come in through upload and sync only

    def has_change_permission(self, request, obj=None):
        return False  # nothing of a user's photo is edited by staff

    def delete_model(self, request, obj):
        services.delete_photos(obj.owner, Photo.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        # Through the service, so the files (and faces, crops...) go with the rows.
        for owner_id in set(queryset.values_list("owner_id", flat=True)):
            owner = get_user_model().objects.get(pk=owner_id)
            services.delete_photos(owner, queryset.filter(owner_id=owner_id))

    @admin.display(description="Thumbnail")
    def thumb(self, photo):
        url = media.signed_url(photo, "thumbnail")
        return format_html('<img src="{}" alt="" width="64" height="64">', url) if url else "-"

    @admin.display(description="Content")
    def content(self, photo):
        # Signed links, short-lived: the owner-only views would (rightly) 404 for staff.
        links = [
            format_html('<a href="{}">{}</a>', url, kind)
            for kind in ("preview", "original", "poster")
            if (url := media.signed_url(photo, kind))
        ]
        return format_html(" · ".join(["{}"] * len(links)), *links) if links else "-"


# --- Analysis: steps, faces and people (appended by the analysis work) -------------------

from django.db import models  # noqa: E402

from photos.analysis import queue as analysis_queue  # noqa: E402
from photos.models import AnalysisStatus, AnalysisStep, Face, Person  # noqa: E402


@admin.action(description="Retry the failed or stuck analysis steps", permissions=["retry"])
def retry_failed_steps(modeladmin, request, queryset):
    photos = Photo.objects.filter(
        pk__in=queryset.values("photo_id" if queryset.model is AnalysisStep else "pk")
    )
    count = analysis_queue.retry_failed(photos)
    modeladmin.message_user(request, f"{count} photo(s) queued again.")


def has_retry_permission(modeladmin, request):
    # Queuing work is a change to the analysis state, whatever the admin's read-only forms
    # say: the change permission on analysis steps, which view-only moderators lack.
    return request.user.has_perm("photos.change_analysisstep")


PhotoAdmin.actions = [*(PhotoAdmin.actions or []), retry_failed_steps]
PhotoAdmin.has_retry_permission = has_retry_permission


@admin.register(AnalysisStep)
class AnalysisStepAdmin(PersonalDataAdmin):
    list_display = ("photo_id", "step", "status", "model_name", "attempts", "updated_at")
    list_filter = ("status", "step")
    search_fields = ("model_name", "message")
    fields = ("photo", "step", "status", "message", "model_name", "attempts", "updated_at")
    readonly_fields = fields
    list_select_related = False
    actions = [retry_failed_steps]
    has_retry_permission = has_retry_permission

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Show failures first: that is what staff come here for.
        qs = super().get_queryset(request)
        return qs.order_by(
            models.Case(
                models.When(status=AnalysisStatus.FAILED, then=0),
                default=1,
            ),
            "-updated_at",
        )


class _Biometric(PersonalDataAdmin):
    """Faces and people are biometric data: staff see counts and states, never crops,
    embeddings or names (the owner's privacy page is where they are seen and deleted)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Face)
class FaceAdmin(_Biometric):
    list_display = ("pk", "owner", "photo_id", "person_id", "pack", "det_score", "created_at")
    list_filter = ("pack", "assigned_by_user")
    fields = ("owner", "photo", "person", "pack", "dim", "det_score", "assigned_by_user")
    readonly_fields = fields
    list_select_related = ("owner",)  # the owner column of every row, in one query


@admin.register(Person)
class PersonAdmin(_Biometric):
    list_display = ("pk", "owner", "pack", "face_count", "hidden", "created_at")
    list_filter = ("hidden", "pack")
    fields = ("owner", "pack", "face_count", "hidden", "created_at")
    readonly_fields = fields
    list_select_related = ("owner",)

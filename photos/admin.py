from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.html import format_html

from photos import media, services
from photos.models import Photo

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
class PhotoAdmin(admin.ModelAdmin):
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

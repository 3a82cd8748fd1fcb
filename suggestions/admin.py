from django.contrib import admin

from project.admin import PersonalDataAdmin
from suggestions.models import Album, Suggestion


@admin.register(Suggestion)
class SuggestionAdmin(PersonalDataAdmin):
    # Metadata only: staff see that suggestions exist and their state, never the images
    # (served to their owner alone) nor which photos they hold.
    list_display = ("id", "owner", "kind", "title", "state", "uses_faces", "uses_older_photos")
    list_filter = ("kind", "state", "uses_faces", "uses_older_photos")
    search_fields = ("owner__username", "key")
    fields = ("owner", "kind", "key", "title", "period_start", "period_end", "state", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Album)
class AlbumAdmin(PersonalDataAdmin):
    list_display = ("id", "owner", "title", "created_at")
    search_fields = ("owner__username",)
    fields = ("owner", "title", "suggestion", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied

from accounts.models import Device, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "is_staff", "date_joined", "last_login")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Profile", {"fields": ("birthday", "consent_reviewed_at")}),
    )
    readonly_fields = ("consent_reviewed_at",)
    # Moderators may edit a profile or deactivate an account, never rights or passwords:
    # whoever can set a password can log in as that user and see the photos.
    _RIGHTS = ("is_superuser", "is_staff", "groups", "user_permissions", "password")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, *self._RIGHTS)

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "token_prefix", "created_at", "last_used_at")
    exclude = ("token_hash",)
    search_fields = ("name", "user__username")

    def has_add_permission(self, request):
        return False

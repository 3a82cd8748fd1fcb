from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Device, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "is_staff", "date_joined", "last_login")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Profile", {"fields": ("birthday", "consent_reviewed_at")}),
    )
    readonly_fields = ("consent_reviewed_at",)


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "token_prefix", "created_at", "last_used_at")
    exclude = ("token_hash",)
    search_fields = ("name", "user__username")

    def has_add_permission(self, request):
        return False

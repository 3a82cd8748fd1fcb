from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied

from accounts import services
from accounts.forms import AdminLoginForm
from accounts.models import Device, User
from project.admin import PersonalDataAdmin

# The admin's login checks passwords under the same lock-out as every other way in.
admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(PersonalDataAdmin, BaseUserAdmin):
    list_display = ("username", "email", "is_staff", "date_joined", "last_login")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Profile", {"fields": ("birthday", "consent_reviewed_at")}),
    )
    readonly_fields = ("consent_reviewed_at",)
    # What a moderator may edit: how a person is addressed. Everything else (username,
    # email, active status, rights, dates) controls who can get into the account: whoever
    # sets the email gets the password reset link, and with it the photos.
    MODERATOR_EDITABLE = ("first_name", "last_name", "birthday")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # The read-only password field would print the stored hash: leave it out entirely.
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != "password"]})
            for name, opts in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        every = [f for _, opts in self.get_fieldsets(request, obj) for f in opts["fields"]]
        return (*fields, *(f for f in every if f not in self.MODERATOR_EDITABLE))

    def save_model(self, request, obj, form, change):
        old_email = form.initial.get("email", "") if change else ""
        super().save_model(request, obj, form, change)
        if change:
            services.notify_email_change(obj, old_email)

    def user_change_password(self, request, id, form_url=""):
        # The new password also cuts off the account's devices (User.save).
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


@admin.register(Device)
class DeviceAdmin(PersonalDataAdmin):
    list_display = ("name", "kind", "user", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    # kind too: turning an app password (WebDAV drop only) into an API token is no edit.
    readonly_fields = ("user", "name", "kind", "token_prefix", "created_at", "last_used_at")
    exclude = ("token_hash",)
    search_fields = ("name", "user__username")

    def has_add_permission(self, request):
        return False

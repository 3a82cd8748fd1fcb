from django.contrib import admin, messages
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone

from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.models import User
from privacy import erasures, registry, services
from privacy.models import (
    AccessLog,
    ConsentEvent,
    ConsentTerms,
    ErasureJob,
    ErasureStatus,
    ExportJob,
    ProcessingRecord,
    RetentionRequest,
)
from privacy.views import COUNT_LABELS
from project.admin import PersonalDataAdmin

# The permission photos' admin asks before showing what is in a photo. An analysis record
# tells the same things (the file name, objects, themes, faces), so the same one here.
CONTENT_PERMISSION = "photos.view_photo_content"


class ReadOnlyAdmin(PersonalDataAdmin):
    """Records of what happened: readable with the view permission, never written by anyone,
    superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


@admin.register(ConsentTerms)
class ConsentTermsAdmin(PersonalDataAdmin):
    """Staff write terms. A published version is frozen; publishing a newer one asks every
    user who granted the scope to consent again."""

    list_display = ("scope", "version", "title", "published_at", "created_at")
    list_filter = ("scope",)
    actions = ["publish"]
    fields = (
        "scope",
        "version",
        "title",
        "text",
        "extends_previous",
        "published_at",
        "created_at",
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.published_at is not None:
            return self.fields
        return ("created_at",)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        scope = initial.get("scope")
        if scope:
            top = ConsentTerms.objects.filter(scope=scope).aggregate(v=Max("version"))["v"]
            initial.setdefault("version", (top or 0) + 1)
        return initial

    def has_delete_permission(self, request, obj=None):
        # Grants point at versions by number; a published version must stay explainable.
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        newest = (
            ConsentTerms.objects.filter(scope=obj.scope, published_at__isnull=False)
            .exclude(pk=obj.pk)
            .aggregate(v=Max("version"))["v"]
        )
        # A published version is frozen (all read-only): saving it again changes nothing,
        # even when a newer one is published since.
        frozen = change and ConsentTerms.objects.filter(pk=obj.pk, published_at__isnull=False)
        if frozen and frozen.exists():
            return
        if obj.published_at is not None and newest is not None and obj.version <= newest:
            obj.published_at = None
            messages.warning(
                request,
                f"Version {obj.version} is not newer than the published v{newest}; "
                "saved as a draft.",
            )
        super().save_model(request, obj, form, change)

    @admin.action(
        description="Publish the selected drafts (users must consent again)",
        permissions=["change"],
    )
    def publish(self, request, queryset):
        count = 0
        for terms in queryset.filter(published_at__isnull=True).order_by("version"):
            newest = ConsentTerms.objects.filter(
                scope=terms.scope, published_at__isnull=False
            ).aggregate(v=Max("version"))["v"]
            if newest is not None and terms.version <= newest:
                continue
            terms.published_at = timezone.now()
            terms.save(update_fields=["published_at"])
            count += 1
        self.message_user(request, f"Published {count} version(s).")


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "scope", "action", "terms_version", "channel", "device")
    list_filter = ("scope", "action", "channel")
    list_select_related = ("user", "device")
    search_fields = ("user__username",)
    date_hierarchy = "created_at"


@admin.register(ProcessingRecord)
class ProcessingRecordAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "user", "photo_ref", "step", "model_name", "outcome")
    list_filter = ("step", "outcome")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    date_hierarchy = "started_at"
    # Which step ran with which model, when and how it ended: the moderator's job.
    BLIND_FIELDS = (
        "user",
        "photo_ref",
        "step",
        "model_name",
        "model_version",
        "started_at",
        "finished_at",
        "outcome",
        "scope_missing",
    )
    # What the step found in the photo (and the photo's name): content.
    CONTENT_FIELDS = ("photo_name", "summary", "details")

    def get_fields(self, request, obj=None):
        if request.user.has_perm(CONTENT_PERMISSION):
            return (*self.BLIND_FIELDS, *self.CONTENT_FIELDS)
        return self.BLIND_FIELDS


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "subject", "what")
    list_filter = ("action",)
    list_select_related = ("subject",)
    search_fields = ("subject__username", "actor_name")


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    # No link to the file: its contents are the user's photos.
    list_display = ("created_at", "user", "status", "progress", "size", "expires_at")
    list_filter = ("status",)
    list_select_related = ("user",)
    exclude = ("file",)


@admin.register(ErasureJob)
class ErasureJobAdmin(ReadOnlyAdmin):
    """Where every background erasure stands: moderators see it (view permission), only a
    superuser can send a failed one to a worker again. The counts are numbers, not
    content; the user is shown by id (the account may be going)."""

    list_display = (
        "created_at",
        "user_id",
        "kind",
        "status",
        "progress",
        "erased",
        "attempts",
        "failures",
        "retry_at",
        "short_error",
    )
    list_filter = ("status", "kind")
    fields = (
        "user_id",
        "kind",
        "status",
        "progress",
        "erased",
        "counts",
        "attempts",
        "failures",
        "retry_at",
        "error",
        "created_at",
        "started_at",
        "updated_at",
        "finished_at",
    )
    readonly_fields = fields

    @admin.display(description="last error")
    def short_error(self, obj):
        return obj.error[:80]

    def get_actions(self, request):
        # ReadOnlyAdmin offers no actions; this one's retry is for superusers only.
        return super(ReadOnlyAdmin, self).get_actions(request)

    actions = ["retry"]

    def has_superuser_permission(self, request):
        return request.user.is_superuser

    @admin.action(description="Retry the selected failed erasures now", permissions=["superuser"])
    def retry(self, request, queryset):
        retried = sum(erasures.retry(job) for job in queryset.filter(status=ErasureStatus.FAILED))
        self.message_user(request, f"{retried} erasure(s) sent to a worker again.")


@admin.register(RetentionRequest)
class RetentionRequestAdmin(ReadOnlyAdmin):
    list_display = ("user", "choice", "requested_at", "purge_after", "purged_at")
    list_filter = ("choice",)
    list_select_related = ("user",)


# The user admin lives in accounts, which knows nothing of erasure; privacy (one layer up)
# registers it again with the one erasure path for the delete page and the bulk action.
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(AccountsUserAdmin):
    """Deleting an account here is the same erasure as on the privacy page: every file
    (originals, derivatives, crops, renders, exports) and every row of the user goes."""

    def get_deleted_objects(self, objs, request):
        """The confirmation lists what the erasure deletes, with counts, instead of Django's
        walk of the foreign keys: that walk would ask for delete permissions nobody has
        (the consent ledger and the logs are read-only in the admin) and would not show
        the files."""
        to_delete, totals = [], {}
        for user in objs:
            counts = services.account_counts(user)
            # Django's nested form: an item, then the list of what hangs off it.
            to_delete += [
                f"User: {user}",
                [
                    f"{(COUNT_LABELS.get(key) or registry.count_label(key)).capitalize()}: {value}"
                    for key, value in counts.items()
                ],
            ]
            for key, value in counts.items():
                label = COUNT_LABELS.get(key) or registry.count_label(key)
                totals[label] = totals.get(label, 0) + value
        totals = {"users": len(objs), **totals}
        return to_delete, totals, set(), []

    def delete_model(self, request, obj):
        services.delete_account(obj)

    def delete_queryset(self, request, queryset):
        for user in list(queryset):
            services.delete_account(user)

    def log_deletions(self, request, queryset):
        # The admin's history would keep the username (object_repr) and id after erasure:
        # it keeps only that this staff member erased an account, and when.
        content_type = ContentType.objects.get_for_model(User)
        return LogEntry.objects.bulk_create(
            [
                LogEntry(
                    user_id=request.user.pk,
                    content_type=content_type,
                    object_id=None,
                    object_repr="an account (erased)",
                    action_flag=DELETION,
                )
                for _user in queryset
            ]
        )

from django.conf import settings
from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    CLOUD_PROCESSING = "cloud_processing", "Cloud processing of my photos"
    CAMERA_ROLL_SYNC = "camera_roll_sync", "Continuous camera-roll sync"
    FACE_ANALYSIS = "face_analysis", "Face analysis (biometric)"
    OLDER_PHOTOS = "older_photos", "Use photos older than 30 days"
    AI_TRAINING = "ai_training", "Use my photos to train AI models"


# Scopes that make the service analyse something; "stop all" revokes every one of them.
PROCESSING_SCOPES = (
    Scope.CLOUD_PROCESSING,
    Scope.CAMERA_ROLL_SYNC,
    Scope.FACE_ANALYSIS,
    Scope.OLDER_PHOTOS,
    Scope.AI_TRAINING,
)


class Channel(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "Companion app"
    SYSTEM = "system", "System"


class ConsentTerms(models.Model):
    """One published version of a scope's terms. The newest published version is in force."""

    scope = models.CharField(max_length=32, choices=Scope.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField(
        help_text="Plain language: what runs, on what, who sees it, "
        "how long it is kept, how to stop."
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Empty while a draft. Publishing a new version asks every user to consent again.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    extends_previous = models.BooleanField(
        default=False,
        help_text="An addition: whoever accepted an earlier version keeps what it allowed, "
        "and only a grant of this version (or a later one) allows what it adds. Users are "
        "shown the change and can accept it; nothing they allowed is paused.",
    )

    class Meta:
        verbose_name_plural = "consent terms"
        ordering = ["scope", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "version"], name="terms_scope_version"),
        ]

    def __str__(self):
        return f"{self.get_scope_display()} v{self.version}"


class ConsentAction(models.TextChoices):
    GRANT = "grant", "Granted"
    REVOKE = "revoke", "Revoked"


class ConsentEventQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class ConsentEvent(models.Model):
    """Append-only ledger of grants and revocations; the current state is derived from it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_events"
    )
    scope = models.CharField(max_length=32, choices=Scope.choices)
    action = models.CharField(max_length=8, choices=ConsentAction.choices)
    terms_version = models.PositiveIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    device = models.ForeignKey(
        "accounts.Device", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device_name = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ConsentEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # consent.allows(): the latest event of one user and scope.
            models.Index(fields=["user", "scope", "-created_at"], name="consent_latest"),
        ]

    def __str__(self):
        return f"{self.user} {self.action} {self.scope}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The consent ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The consent ledger is append-only.")


class Outcome(models.TextChoices):
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"
    WAITING = "waiting_for_model", "Waiting for a model"


class ProcessingRecordQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class ProcessingRecord(models.Model):
    """What ran on which photo: the privacy page's "what was analysed" log."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="processing_records"
    )
    # The photo's id and name, not a foreign key: privacy knows no other app's models, and
    # the log stays truthful after the photo is deleted.
    photo_ref = models.PositiveBigIntegerField(null=True, blank=True)
    photo_name = models.CharField(max_length=255, blank=True)
    step = models.CharField(max_length=32)
    model_name = models.CharField(max_length=200, blank=True)
    model_version = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    summary = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    scope_missing = models.CharField(max_length=32, blank=True)

    objects = ProcessingRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # The privacy page's log, newest first, filtered by step or date.
            models.Index(fields=["user", "-started_at"], name="processing_user_time"),
            models.Index(fields=["user", "step", "-started_at"], name="processing_user_step"),
            # The log filtered by one photo (privacy page and API ?photo=).
            models.Index(fields=["user", "photo_ref"], name="processing_user_photo"),
        ]

    def __str__(self):
        return f"{self.step} on photo {self.photo_ref}: {self.outcome}"


class AccessLog(models.Model):
    """A staff member or moderator viewed or changed this user's data in the admin."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_log"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=20)  # viewed, changed, deleted, listed
    what = models.CharField(max_length=300)
    path = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject", "-created_at"], name="access_subject_time")]

    def __str__(self):
        return f"{self.actor_name} {self.action} {self.what}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class ExportJob(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    file = models.FileField(upload_to="exports/", blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    # How many times a worker took it, and when the last one did (privacy.tasks
    # sweep_exports sends a lost job again, and gives up after a few tries).
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"export {self.pk} of {self.user}: {self.status}"


class ErasureKind(models.TextChoices):
    PHOTOS = "photos", "Delete all my photos"
    ACCOUNT = "account", "Delete my account"


class ErasureStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Deleting"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ErasureJob(models.Model):
    """A large "delete all my photos" or account deletion, run by a worker
    (privacy.erasures): the request only asks for it. An account's job goes with the
    account (cascade), so nothing about the user is left once it is done."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="erasures"
    )
    kind = models.CharField(max_length=10, choices=ErasureKind.choices)
    status = models.CharField(
        max_length=10, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    counts = models.JSONField(default=dict)  # what there was when it was asked for
    # Rows erased so far, batch by batch (each batch is committed: a re-run goes on).
    erased = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    # How many times a worker took it.
    attempts = models.PositiveSmallIntegerField(default=0)
    # Runs in a row that failed or were interrupted before a batch went through; at
    # privacy.erasures.MAX_FAILURES the job waits for a person (the admin's retry).
    failures = models.PositiveSmallIntegerField(default=0)
    # A failed job is queued again by the sweep at this time; empty: it needs a person.
    retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # The last batch a worker committed: a running job silent for longer lost its worker.
    updated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"erasure {self.pk} ({self.kind}) of user {self.user_id}: {self.status}"


class RetentionChoice(models.TextChoices):
    KEEP = "keep", "Keep my photos stored, unprocessed"
    DELETE = "delete", "Delete the cloud copies"


class RetentionRequest(models.Model):
    """After cloud_processing is revoked: keep the photos, or purge them after the grace period."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="retention"
    )
    choice = models.CharField(max_length=8, choices=RetentionChoice.choices)
    requested_at = models.DateTimeField(default=timezone.now)
    purge_after = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user}: {self.choice}"


class UnsentTask(models.Model):
    """A task the broker would not take (it was down) that has no job row of its own to be
    found by (a suggestion-generation request, for one): privacy.outbox.sweep sends it
    again. Goes with the account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="unsent_tasks",
    )
    name = models.CharField(max_length=200)  # the task's registered name
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.name}{tuple(self.args)}: unsent"

from django.conf import settings
from django.db import models
from django.utils import timezone


def original_path(photo, filename):
    # Named by content hash: no user-supplied name ever reaches the filesystem.
    ext = (photo.extension or "bin").lower()
    return f"u{photo.owner_id}/originals/{photo.sha256[:2]}/{photo.sha256}.{ext}"


def derivative_path(photo, filename):
    return f"u{photo.owner_id}/derived/{photo.sha256[:2]}/{filename}"


def face_crop_path(face, filename):
    return f"u{face.owner_id}/faces/{filename}"


class MediaType(models.TextChoices):
    PHOTO = "photo", "Photo"
    VIDEO = "video", "Video"


class Source(models.TextChoices):
    WEB = "web", "Browser upload"
    SYNC = "sync", "Camera-roll sync"


class TakenAtSource(models.TextChoices):
    EXIF = "exif", "EXIF"
    CLIENT = "client", "Device"
    UPLOAD = "upload", "Upload time"


class AnalysisStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    WAITING = "waiting_for_model", "Waiting for a model"


class Step(models.TextChoices):
    DERIVATIVES = "derivatives", "Thumbnails"
    FACES = "faces", "Faces"
    SCENES = "scenes", "Objects and scenes"
    QUALITY = "quality", "Quality"
    DUPLICATES = "duplicates", "Near-duplicates"
    TEXT = "text", "Text in photos"


class PhotoQuerySet(models.QuerySet):
    def for_owner(self, user):
        return self.filter(owner=user)

    def live(self):
        """Not in the trash: what every page, list, search and suggestion shows."""
        return self.filter(trashed_at__isnull=True)

    def in_trash(self):
        return self.filter(trashed_at__isnull=False)

    def photos(self):
        return self.filter(media_type=MediaType.PHOTO)

    def analysed(self):
        return self.filter(analysis_status=AnalysisStatus.DONE)

    def taken_between(self, start=None, end=None):
        qs = self
        if start is not None:
            qs = qs.filter(taken_at__gte=start)
        if end is not None:
            qs = qs.filter(taken_at__lt=end)
        return qs


class Photo(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos"
    )
    sha256 = models.CharField(max_length=64)
    original = models.FileField(upload_to=original_path, max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=50)
    media_type = models.CharField(max_length=5, choices=MediaType.choices, default=MediaType.PHOTO)
    source = models.CharField(max_length=4, choices=Source.choices, default=Source.WEB)
    file_size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)  # upright, after orientation
    height = models.PositiveIntegerField(null=True, blank=True)
    orientation = models.PositiveSmallIntegerField(default=1)
    duration = models.FloatField(null=True, blank=True)  # seconds, videos only

    taken_at = models.DateTimeField()
    # Minutes east of UTC where the photo was taken (EXIF OffsetTimeOriginal), if known.
    taken_at_offset = models.SmallIntegerField(null=True, blank=True)
    taken_at_source = models.CharField(max_length=6, choices=TakenAtSource.choices)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    altitude = models.FloatField(null=True, blank=True)
    camera_make = models.CharField(max_length=100, blank=True)
    camera_model = models.CharField(max_length=100, blank=True)
    device_asset_id = models.CharField(max_length=200, blank=True)

    thumbnail = models.FileField(upload_to=derivative_path, blank=True, max_length=255)
    preview = models.FileField(upload_to=derivative_path, blank=True, max_length=255)
    poster = models.FileField(upload_to=derivative_path, blank=True, max_length=255)

    analysis_status = models.CharField(
        max_length=20, choices=AnalysisStatus.choices, default=AnalysisStatus.PENDING
    )
    # Set when analysis was handed to the broker; the sweep re-queues what never started.
    queued_at = models.DateTimeField(null=True, blank=True)
    sharpness = models.FloatField(null=True, blank=True)
    exposure = models.FloatField(null=True, blank=True)
    quality_score = models.FloatField(null=True, blank=True)
    phash = models.CharField(max_length=16, blank=True)
    # The hash's four 16-bit chunks (photos.lib.phash.chunks), each indexed: the
    # near-duplicate lookup finds its candidates through them (multi-index hashing).
    phash_0 = models.PositiveIntegerField(null=True, blank=True)
    phash_1 = models.PositiveIntegerField(null=True, blank=True)
    phash_2 = models.PositiveIntegerField(null=True, blank=True)
    phash_3 = models.PositiveIntegerField(null=True, blank=True)
    duplicate_group = models.PositiveBigIntegerField(null=True, blank=True)

    uploaded_at = models.DateTimeField(default=timezone.now)
    # Deleted by the owner: kept in the trash until settings.TRASH_DAYS have passed.
    trashed_at = models.DateTimeField(null=True, blank=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_at", "-id"]
        constraints = [
            # Deduplication: the same bytes twice are one photo, per user.
            models.UniqueConstraint(fields=["owner", "sha256"], name="photo_owner_sha256"),
        ]
        indexes = [
            # The library timeline: one owner's photos, newest first, by date range.
            models.Index(fields=["owner", "-taken_at", "-id"], name="photo_owner_timeline"),
            # Progress counts and the pending sweep.
            models.Index(fields=["owner", "analysis_status"], name="photo_owner_status"),
            models.Index(fields=["analysis_status", "queued_at"], name="photo_status_queued"),
            # Place filters and trip detection.
            models.Index(fields=["owner", "latitude", "longitude"], name="photo_owner_gps"),
            # The trash page and the beat job that empties what is older than TRASH_DAYS.
            models.Index(fields=["trashed_at"], name="photo_trashed_at"),
            # The near-duplicate step: candidates by one chunk of the perceptual hash ...
            models.Index(fields=["owner", "phash_0"], name="photo_owner_phash_0"),
            models.Index(fields=["owner", "phash_1"], name="photo_owner_phash_1"),
            models.Index(fields=["owner", "phash_2"], name="photo_owner_phash_2"),
            models.Index(fields=["owner", "phash_3"], name="photo_owner_phash_3"),
            # ... and the members of a group it joins or leaves.
            models.Index(fields=["owner", "duplicate_group"], name="photo_owner_dup_group"),
        ]
        permissions = [
            ("view_photo_content", "Can see photo contents (originals and thumbnails)"),
        ]

    def __str__(self):
        # No file name: it is content, and str() shows up in the admin and its access log.
        return f"{self.get_media_type_display()} {self.pk} of user {self.owner_id}"


class AnalysisStep(models.Model):
    """Per-photo, per-step status, shown on the photo page and counted for progress."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=12, choices=Step.choices)
    status = models.CharField(
        max_length=20, choices=AnalysisStatus.choices, default=AnalysisStatus.PENDING
    )
    message = models.CharField(max_length=500, blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["photo", "step"], name="analysis_step_unique"),
        ]
        indexes = [
            # Progress per step and retry of a model that came back.
            models.Index(fields=["step", "status"], name="analysis_step_status"),
        ]

    def __str__(self):
        return f"{self.step} of {self.photo_id}: {self.status}"


class PersonQuerySet(models.QuerySet):
    def for_owner(self, user):
        return self.filter(owner=user)

    def visible(self):
        """Shown in lists: every named person, and unnamed groups big enough to matter."""
        return self.filter(hidden=False).filter(
            ~models.Q(name="") | models.Q(face_count__gte=settings.PERSON_MIN_FACES)
        )

    def listed(self):
        """The People page's order: named first, then by how many photos they are in
        (needs the `photo_count` annotation of people.people_with_counts)."""
        return self.annotate(
            unnamed=models.Case(
                models.When(name="", then=models.Value(1)),
                default=models.Value(0),
                output_field=models.IntegerField(),
            )
        ).order_by("unnamed", "-photo_count", "name", "pk")


class Person(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="people"
    )
    name = models.CharField(max_length=100, blank=True)
    birthday = models.DateField(null=True, blank=True)
    hidden = models.BooleanField(default=False)
    # The face pack whose embeddings this person groups; packs are never mixed.
    pack = models.CharField(max_length=200)
    cover_face = models.ForeignKey(
        "Face", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    face_count = models.PositiveIntegerField(default=0)  # denormalised for the people list
    # Mean of the member embeddings (float32 bytes), for the incremental nearest-person match.
    centroid = models.BinaryField(null=True, blank=True)
    # The user named, merged or hand-fed this person: their faces are carried over when the
    # face pack changes, as unnamed clusters are made again from scratch.
    confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "people"
        ordering = ["-face_count", "id"]
        indexes = [models.Index(fields=["owner", "pack"], name="person_owner_pack")]

    def __str__(self):
        return self.name or f"Person {self.pk}"


class FaceQuerySet(models.QuerySet):
    def shown(self):
        """Every face but false detections the user dismissed ("not a face")."""
        return self.filter(not_a_face=False)

    def groupable(self):
        """Faces that clustering and automatic matching may use."""
        return self.filter(not_a_face=False, unrecognised=False, clear=True)


class Face(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="faces"
    )
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="faces")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="faces"
    )
    # Box in the upright photo's pixel coordinates.
    x1 = models.FloatField()
    y1 = models.FloatField()
    x2 = models.FloatField()
    y2 = models.FloatField()
    landmarks = models.JSONField(default=list)  # five [x, y] points
    det_score = models.FloatField()
    embedding = models.BinaryField()  # float32, L2-normalised
    pack = models.CharField(max_length=200)
    dim = models.PositiveSmallIntegerField()
    crop = models.FileField(upload_to=face_crop_path, blank=True, max_length=255)
    # A face the user put on a person by hand is never moved by clustering.
    assigned_by_user = models.BooleanField(default=False)
    frame_time = models.FloatField(null=True, blank=True)  # videos: where in the clip
    # Clear enough to recognise (photos/lib/face_quality.py): only clear faces are grouped
    # or matched automatically; the others are shown on their photo and nowhere else.
    clear = models.BooleanField(default=True)
    sharpness = models.FloatField(null=True, blank=True)  # of the aligned crop
    embedding_norm = models.FloatField(null=True, blank=True)  # the recogniser's raw length
    # "Not a face": a false detection the user dismissed, hidden everywhere, never grouped.
    not_a_face = models.BooleanField(default=False)
    # Its person was forgotten and the user kept the face: shown on its photo, without an
    # embedding, never grouped or matched again.
    unrecognised = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FaceQuerySet.as_manager()

    class Meta:
        ordering = ["photo_id", "x1"]
        indexes = [
            models.Index(fields=["owner", "pack", "person"], name="face_owner_pack_person"),
            # A person's photo count (people.with_photo_counts) reads this index alone.
            models.Index(fields=["person", "photo"], name="face_person_photo"),
        ]

    def __str__(self):
        return f"face {self.pk} in photo {self.photo_id}"

    @property
    def box(self):
        return [self.x1, self.y1, self.x2, self.y2]


class FaceRejection(models.Model):
    """'Not this person': the face is never added back to that person."""

    face = models.ForeignKey(Face, on_delete=models.CASCADE, related_name="rejections")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="rejections")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["face", "person"], name="face_rejection_unique"),
        ]

    def __str__(self):
        return f"face {self.face_id} is not person {self.person_id}"


class PersonMerge(models.Model):
    """One merge the user made, kept so that it can be shown and undone."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    into = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges")
    # After an undo, the person it gave back (moved to whoever they are merged into later):
    # the record holds their name, so it goes when they do (forgetting them, for one).
    source = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="merges_from"
    )
    # What the merged-away person was, to make them again on undo.
    source_name = models.CharField(max_length=100, blank=True)
    source_birthday = models.DateField(null=True, blank=True)
    source_hidden = models.BooleanField(default=False)
    # The kept person's own name and birthday before the merge filled them in.
    into_name = models.CharField(max_length=100, blank=True)
    into_birthday = models.DateField(null=True, blank=True)
    face_ids = models.JSONField(default=list)  # the faces that moved over
    rejected_face_ids = models.JSONField(default=list)  # "not this person" that moved over
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The merge history on the People page.
            models.Index(fields=["owner", "-created_at"], name="person_merge_owner_recent"),
        ]

    def __str__(self):
        return f"merge of {self.source_name or 'a person'} into {self.into_id}"


class Tag(models.Model):
    """An object or scene class the classifier found, with its score."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="tags")
    label = models.CharField(max_length=100)
    score = models.FloatField()
    model_name = models.CharField(max_length=200)

    class Meta:
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["photo", "label"], name="tag_photo_label"),
        ]

    def __str__(self):
        return f"{self.label} {self.score:.2f}"


class Theme(models.TextChoices):
    BEACH = "beach", "Beach & sea"
    NATURE = "nature", "Mountains & nature"
    FOOD = "food", "Food & drink"
    ANIMALS = "animals", "Animals & pets"
    CITY = "city", "City & buildings"
    TRAVEL = "travel", "Travel & landmarks"
    VEHICLES = "vehicles", "Vehicles"
    CELEBRATIONS = "celebrations", "Celebrations"
    SCREENSHOTS = "screenshots", "Screenshots"
    VIDEOS = "videos", "Videos"


class PhotoTheme(models.Model):
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="themes")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    theme = models.CharField(max_length=16, choices=Theme.choices)
    score = models.FloatField(default=1.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["photo", "theme"], name="photo_theme_unique"),
        ]
        indexes = [
            # Theme albums and the library's theme filter.
            models.Index(fields=["owner", "theme"], name="theme_owner_theme"),
        ]

    def __str__(self):
        return f"{self.photo_id}: {self.theme}"


class PhotoTextQuerySet(models.QuerySet):
    def for_owner(self, user):
        return self.filter(owner=user)


class PhotoText(models.Model):
    """One line of text read in a photo (the "text" step): a receipt, a sign, a ticket.
    Personal data like the photo itself: exported, and deleted with the photo, the
    analysis, cloud_processing's revocation and the account."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="text_lines")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()  # reading order in the photo
    text = models.CharField(max_length=500)
    # What search matches: lower case, no accents, each run of anything but letters and
    # digits one space, a space at both ends (photos.search.fold_words).
    folded = models.CharField(max_length=520)
    # Four [x, y] corners, clockwise from the top left, as fractions of the photo's size.
    box = models.JSONField()
    score = models.FloatField()
    model_name = models.CharField(max_length=200)

    objects = PhotoTextQuerySet.as_manager()

    class Meta:
        ordering = ["photo", "position"]
        constraints = [
            models.UniqueConstraint(fields=["photo", "position"], name="photo_text_position"),
        ]
        indexes = [
            # The owner's text: counted and deleted on the privacy pages, on revocation and
            # in "delete the analysis". Search reaches a photo's lines by the photo's index.
            models.Index(fields=["owner", "photo"], name="photo_text_owner"),
        ]

    def __str__(self):
        return self.text


class AlbumQuerySet(models.QuerySet):
    def for_owner(self, user):
        return self.filter(owner=user)


class Album(models.Model):
    """An album the user made by hand.

    Saved suggestions are albums too, but they live in suggestions (suggestions.Album), a
    layer above photos: photos' pages and the viewer only ever need these, and the albums
    page of suggestions lists both kinds (docs/albums.md).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_albums"
    )
    title = models.CharField(max_length=200)
    # A photo of the album chosen by the user; without one the newest photo is shown.
    cover = models.ForeignKey(
        Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    photos = models.ManyToManyField(Photo, through="AlbumPhoto", related_name="user_albums")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AlbumQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            # The albums page: one owner's albums, last changed first.
            models.Index(fields=["owner", "-updated_at"], name="album_owner_updated"),
        ]

    def __str__(self):
        # No title: it is content, like a photo's file name.
        return f"Album {self.pk} of user {self.owner_id}"


class AlbumPhoto(models.Model):
    album = models.ForeignKey(Album, on_delete=models.CASCADE)
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["album", "photo"], name="album_photo"),
        ]

    def __str__(self):
        return f"photo {self.photo_id} in album {self.album_id}"


class UploadQuerySet(models.QuerySet):
    def for_owner(self, user):
        return self.filter(owner=user)

    def unfinished(self):
        return self.filter(completed_at__isnull=True)

    def expired(self, now=None):
        """Unfinished uploads past their expiry, and finished or refused ones kept past it
        (the row only answers a late HEAD; its bytes are gone already)."""
        return self.filter(expires_at__lte=now or timezone.now())


class Upload(models.Model):
    """A resumable upload (tus 1.0.0, photos/tus.py): the bytes received so far live on the
    media storage (photos/upload_store.py), the row says how far they go. The offset only
    moves under a claim taken with the row locked (photos.uploads.claim), so two PATCH
    requests of one upload never both write."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    source = models.CharField(max_length=4, choices=Source.choices, default=Source.SYNC)
    length = models.PositiveBigIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    # Upload-Metadata as sent (for HEAD) and decoded (filename, filetype, taken_at, ...).
    raw_metadata = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Where the partial bytes are: a file name on local storage, an S3 key and multipart id.
    backend = models.CharField(max_length=5)
    storage_name = models.CharField(max_length=255)
    s3_upload_id = models.CharField(max_length=1024, blank=True)
    # S3: the ETags of the parts stored so far, and the object holding the bytes past the
    # last whole part (parts must be at least 5 MB, a PATCH may bring one byte).
    parts = models.JSONField(default=list, blank=True)
    tail_name = models.CharField(max_length=255, blank=True)
    # The last Upload-Checksum verified ("sha256 <base64>"), for HEAD and debugging.
    last_checksum = models.CharField(max_length=120, blank=True)
    # Who is writing now: "host:pid:random" and when it last said so (photos.uploads).
    writer = models.CharField(max_length=200, blank=True)
    writer_seen_at = models.DateTimeField(null=True, blank=True)
    # How it ended: the photo it became, or the refusal the ingest gave.
    photo = models.ForeignKey(
        Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    photo_created = models.BooleanField(default=False)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    error_status = models.PositiveSmallIntegerField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    objects = UploadQuerySet.as_manager()

    class Meta:
        indexes = [
            # The expiry sweep (photos.uploads.expire): everything past its time.
            models.Index(fields=["expires_at"], name="upload_expires"),
            # The privacy page's count and account deletion: one owner's uploads.
            models.Index(fields=["owner", "created_at"], name="upload_owner_created"),
        ]

    def __str__(self):
        return f"Upload {self.pk} of user {self.owner_id}"

    @property
    def finished(self) -> bool:
        return self.completed_at is not None

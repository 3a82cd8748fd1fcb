"""Settings for the camera-roll processing service.

Everything is read from environment variables (see the README's table). The embedded
defaults need no server: SQLite and a filesystem Celery broker under var/, media under
var/media. Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY and friends.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from project.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_log_level,
    env_rate,
    env_secret,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE), "
            "or DEBUG=1 for development."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "accounts",
    "privacy",
    "photos",
    "suggestions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "project.middleware.ControlCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "project.middleware.SecurityHeadersMiddleware",
    "privacy.middleware.AdminAccessLogMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Dates in words ("yesterday", "3 hours ago") in every template.
            "builtins": ["django.contrib.humanize.templatetags.humanize"],
        },
    },
]

# --- Database -------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except Exception as exc:  # dj-database-url raises several types for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL={_database_url!r} is not usable: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Web, worker and beat share the file: wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    _test_name = env_str("SQLITE_TEST_NAME")
    if _test_name:
        DATABASES["default"]["TEST"] = {"NAME": _test_name}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- Auth -----------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("FAST_PASSWORD_HASHER", False):
    # Only for test runs: Argon2 on every test user costs seconds per run.
    PASSWORD_HASHERS.insert(0, "django.contrib.auth.hashers.MD5PasswordHasher")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
LOGIN_ATTEMPTS_LIMIT = env_int("LOGIN_ATTEMPTS_LIMIT", 10, minimum=1)
LOGIN_ATTEMPTS_WINDOW = env_int("LOGIN_ATTEMPTS_WINDOW", 300, minimum=1)
# Web sign-ups (successful or not) per client address and window.
SIGNUP_ATTEMPTS_LIMIT = env_int("SIGNUP_ATTEMPTS_LIMIT", 10, minimum=1)
SIGNUP_ATTEMPTS_WINDOW = env_int("SIGNUP_ATTEMPTS_WINDOW", 3600, minimum=1)

# --- I18N -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Media has no MEDIA_URL on purpose: files are private and only served by the owner-checked
# views in photos/views.py (and privacy's export download).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = None

_storage_backend = env_choice("STORAGE_BACKEND", "local", ("local", "s3"))
if _storage_backend == "s3":
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_secret("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_secret("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            # Reading an object downloads it into a temporary file first; past 5 MB it is
            # on disk, not in memory (the default, 0, keeps whole videos and exports in RAM).
            "max_memory_size": 5 * 1024 * 1024,
        },
    }
    if not _media_storage["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME")
else:
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# How private media leaves the server: "django" streams it; "nginx" sends X-Accel-Redirect,
# "sendfile" sends X-Sendfile, with the path under SENDFILE_ROOT_URL.
MEDIA_SENDFILE = env_choice("MEDIA_SENDFILE", "django", ("django", "nginx", "sendfile"))
if MEDIA_SENDFILE != "django" and _storage_backend == "s3":
    # The web server can only hand over files on its own disk; S3 objects are private.
    raise ImproperlyConfigured(
        f"MEDIA_SENDFILE={MEDIA_SENDFILE} needs local storage: use MEDIA_SENDFILE=django "
        "with STORAGE_BACKEND=s3"
    )
MEDIA_SENDFILE_PREFIX = env_str("MEDIA_SENDFILE_PREFIX", "/protected-media/")
SIGNED_URL_MAX_AGE = env_int("SIGNED_URL_MAX_AGE", 300, minimum=10)

# --- Uploads --------------------------------------------------------------------------
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 100_000_000, minimum=1_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
# An unfinished resumable upload (tus, photos/tus.py) that got no byte for this long is
# deleted with its partial bytes by the beat (photos.tasks.expire_uploads).
UPLOAD_EXPIRY_HOURS = env_int("UPLOAD_EXPIRY_HOURS", 24, minimum=1)
SYNC_WINDOW_DAYS = env_int("SYNC_WINDOW_DAYS", 30, minimum=1)
SYNC_CHECK_MAX_ITEMS = env_int("SYNC_CHECK_MAX_ITEMS", 20_000, minimum=1)

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "camroll@localhost")

# --- Security -------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# How many proxies in front append to X-Forwarded-For: the client address is the entry that
# many from the end (project/net.py). 0 ignores the header, which anyone can forge.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_PROXY else 0, minimum=0)
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)
SILENCED_SYSTEM_CHECKS = []

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "project.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "project.api.AnonRateThrottle",
        "project.api.UserRateThrottle",
    ],
    # For any DRF code that still calls its own get_ident: the same trust as project.net.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_THROTTLE_ANON", "60/min"),
        "user": env_rate("API_THROTTLE_USER", "2000/min"),
        "login": env_rate("API_THROTTLE_LOGIN", "10/min"),
    },
    "EXCEPTION_HANDLER": "project.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Camroll API",
    "DESCRIPTION": "The companion app's API: devices, consent, sync, library, people, "
    "suggestions and privacy.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "project.api.document_refused_input",
    ],
    # One schema name per choice set that several serializers share.
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "suggestions.models.Kind",
        "MemoryControlKindEnum": "suggestions.models.Control",
        "ScopeEnum": "privacy.models.Scope",
    },
}

# --- Cache (login rate limiting, throttling) ------------------------------------------
_cache_url = env_str("CACHE_URL")
if _cache_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.split("://", 1)[0] not in ("redis", "rediss", "amqp", "amqps", "memory"):
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL={CELERY_BROKER_URL!r}: use redis://, amqp:// or filesystem://"
    )
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# No results backend: nothing reads task results, and a results table would keep user ids
# after the user is gone (accounts migration 0004 dropped django_celery_results' tables).
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection before and after every task unless
# this is set: a new PostgreSQL connection per photo (bench/RESULTS-analysis.md, section 6).
# Set, it closes only every this many tasks, and project.celery applies Django's own rule
# per task instead (CONN_MAX_AGE, and a connection that saw an error is checked or closed).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"photos.tasks.analyse_*": {"queue": "ml"}}
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 30, 5)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The schedule lives here, in code; django-celery-beat's DatabaseScheduler copies it into
# its tables at start so staff can see (and pause) the entries in the admin.
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-photos": {
        "task": "photos.tasks.sweep_pending",
        "schedule": 300.0,
    },
    "cluster-faces": {
        "task": "photos.tasks.cluster_faces_all",
        "schedule": crontab(minute=15),
    },
    "suggestions-nightly": {
        "task": "suggestions.tasks.generate_all",
        "schedule": crontab(hour=3, minute=0),
    },
    "suggestions-monthly-recaps": {
        "task": "suggestions.tasks.generate_all",
        "schedule": crontab(hour=4, minute=0, day_of_month=1),
        "kwargs": {"kinds": ["monthly_recap"]},
    },
    "suggestions-on-this-day": {
        "task": "suggestions.tasks.generate_all",
        "schedule": crontab(hour=6, minute=0),
        "kwargs": {"kinds": ["on_this_day"]},
    },
    "photos-empty-trash": {
        "task": "photos.tasks.purge_trash",
        "schedule": crontab(hour=2, minute=45),
    },
    "privacy-purge-expired": {
        "task": "privacy.tasks.purge_due",
        "schedule": crontab(hour=2, minute=30),
    },
    "photos-expire-uploads": {
        "task": "photos.tasks.expire_uploads",
        "schedule": crontab(minute=40),
    },
    "privacy-requeue-erasures": {
        "task": "privacy.tasks.sweep_erasures",
        "schedule": 300.0,
    },
    "privacy-requeue-exports": {
        "task": "privacy.tasks.sweep_exports",
        "schedule": 300.0,
    },
    "privacy-send-unsent": {
        "task": "privacy.tasks.sweep_unsent",
        "schedule": 120.0,
    },
    "suggestions-requeue-videos": {
        "task": "suggestions.tasks.sweep_videos",
        "schedule": 300.0,
    },
}

# --- Models and analysis --------------------------------------------------------------
MODELS_DIR = Path(env_str("MODELS_DIR", str(VAR_DIR / "models")))
# A pack name that insightface knows (downloaded on first use into MODELS_DIR) or a path.
FACE_MODEL_PACK = env_str("FACE_MODEL_PACK", "buffalo_l")
FACE_DET_SIZE = env_int("FACE_DET_SIZE", 640, minimum=160)
FACE_MIN_SCORE = env_float("FACE_MIN_SCORE", 0.5, minimum=0.0, maximum=1.0)
FACE_MIN_SIZE = env_int("FACE_MIN_SIZE", 24, minimum=1)
FACE_MATCH_DISTANCE = env_float("FACE_MATCH_DISTANCE", 0.5, minimum=0.0, maximum=2.0)
FACE_CLUSTER_EPS = env_float("FACE_CLUSTER_EPS", 0.5, minimum=0.0, maximum=2.0)
PERSON_MIN_FACES = env_int("PERSON_MIN_FACES", 3, minimum=1)
# A face is grouped into people only when it is clear enough to recognise; the defaults
# were measured on the shared photos (docs/analysis.md, "Which faces are clear").
FACE_CLEAR_MIN_SIZE = env_int("FACE_CLEAR_MIN_SIZE", 50, minimum=1)
FACE_CLEAR_MIN_SCORE = env_float("FACE_CLEAR_MIN_SCORE", 0.7, minimum=0.0, maximum=1.0)
FACE_CLEAR_MAX_YAW = env_float("FACE_CLEAR_MAX_YAW", 0.5, minimum=0.0, maximum=10.0)
FACE_CLEAR_MIN_SHARPNESS = env_float("FACE_CLEAR_MIN_SHARPNESS", 40.0, minimum=0.0)
# The length of the recogniser's raw embedding; 0 turns the check off (measured for the
# MobileFaceNet of the shared pack: re-measure for another recogniser).
FACE_CLEAR_MIN_NORM = env_float("FACE_CLEAR_MIN_NORM", 12.0, minimum=0.0)
# Days a deleted photo waits in the trash (restorable) before the nightly job removes it.
TRASH_DAYS = env_int("TRASH_DAYS", 30, minimum=1)
SCENE_MODEL = env_str("SCENE_MODEL", str(MODELS_DIR / "mobilenetv2-12-int8.onnx"))
SCENE_LABELS = env_str("SCENE_LABELS", "")
SCENE_MIN_SCORE = env_float("SCENE_MIN_SCORE", 0.05, minimum=0.0, maximum=1.0)
SCENE_TOP_K = env_int("SCENE_TOP_K", 5, minimum=1)
# Text in photos (the "text" analysis step, rapidocr's PP-OCRv6 models shipped in its wheel).
# TEXT_RECOGNITION=0 turns the step off for the whole service: nothing is read, and the
# step is marked "turned off" on every photo. The detector sees the photo at most
# TEXT_DET_SIDE pixels on the long side (the cost per photo grows with its square; smaller
# text is missed below it); lines read with less confidence than TEXT_MIN_SCORE are dropped.
TEXT_RECOGNITION = env_bool("TEXT_RECOGNITION", True)
TEXT_DET_SIDE = env_int("TEXT_DET_SIDE", 480, minimum=160)
TEXT_MIN_SCORE = env_float("TEXT_MIN_SCORE", 0.8, minimum=0.0, maximum=1.0)
# `models --download` fetches from `<MODEL_DOWNLOAD_BASE>/<file>` instead of the pinned URLs
# (a local mirror); the SHA-256 pins still apply.
MODEL_DOWNLOAD_BASE = env_str("MODEL_DOWNLOAD_BASE", "")
if MODEL_DOWNLOAD_BASE and not MODEL_DOWNLOAD_BASE.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"MODEL_DOWNLOAD_BASE={MODEL_DOWNLOAD_BASE!r} is not an http(s) URL")

# --- Privacy --------------------------------------------------------------------------
PURGE_GRACE_DAYS = env_int("PURGE_GRACE_DAYS", 30, minimum=0)
EXPORT_LINK_HOURS = env_int("EXPORT_LINK_HOURS", 24, minimum=1)
# "Delete all my photos" and account deletion run in the request up to this many photos,
# and as a background job with progress above it (privacy.erasures).
ERASURE_IN_REQUEST_MAX_PHOTOS = env_int("ERASURE_IN_REQUEST_MAX_PHOTOS", 1000, minimum=0)
# The background erasure deletes this many photos (or log entries) per committed batch, and
# a worker hands the job on to a fresh task after ERASURE_RUN_SECONDS, well inside the task
# time limit, however large the library (bench/erasure_batches.py).
ERASURE_BATCH_SIZE = env_int("ERASURE_BATCH_SIZE", 1000, minimum=1)
ERASURE_RUN_SECONDS = env_int(
    "ERASURE_RUN_SECONDS", max(min(300, CELERY_TASK_SOFT_TIME_LIMIT - 60), 1), minimum=1
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_log_level("LOG_LEVEL", "INFO")},
}

"""Start-up refuses bad environment values with a message naming the variable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

BASE_ENV = {
    "PATH": os.environ["PATH"],
    "DJANGO_SETTINGS_MODULE": "project.settings",
    "DEBUG": "0",
    "SECRET_KEY": "x" * 60,
    "VAR_DIR": "/tmp/camroll-settings-test",
}


def _load_settings(**env):
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env={**BASE_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("UPLOAD_MAX_BYTES", "lots"),
        ("FACE_MIN_SCORE", "2.5"),
        ("PERSON_MIN_FACES", "0"),
        ("STORAGE_BACKEND", "floppy"),
        ("CELERY_BROKER_URL", "kafka://localhost"),
        ("DATABASE_URL", "nosuchdb://x"),
        ("API_THROTTLE_LOGIN", "ten per minute"),
        ("API_THROTTLE_ANON", "10/fortnight"),
        ("API_THROTTLE_USER", "-5/min"),
        ("LOG_LEVEL", "LOUD"),
        ("TIME_ZONE", "Mars/Olympus_Mons"),
        ("TIME_ZONE", "../../etc/passwd"),
        ("TRUSTED_PROXY_COUNT", "-1"),
        ("SIGNUP_ATTEMPTS_LIMIT", "0"),
    ],
)
def test_it_names_the_variable_with_a_bad_value(name, value):
    result = _load_settings(**{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("mode", ["nginx", "sendfile"])
def test_it_refuses_a_web_server_hand_off_of_files_kept_on_s3(mode):
    s3 = {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "camroll"}
    refused = _load_settings(MEDIA_SENDFILE=mode, **s3)
    assert refused.returncode != 0
    assert "MEDIA_SENDFILE" in refused.stderr.splitlines()[-1]
    assert _load_settings(MEDIA_SENDFILE="django", **s3).returncode == 0
    assert _load_settings(MEDIA_SENDFILE=mode).returncode == 0  # local storage


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = {k: v for k, v in BASE_ENV.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_reads_the_secret_from_a_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file-" + "y" * 50)
    env = {k: v for k, v in BASE_ENV.items() if k != "SECRET_KEY"}
    env["SECRET_KEY_FILE"] = str(secret)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SECRET_KEY)",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-a-file-" + "y" * 50


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **BASE_ENV,
        "SECRET_KEY": "k3y-" + "a1b2c3d4e5f6g7h8i9j0" * 3,
        "ALLOWED_HOSTS": "photos.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("API_THROTTLE_LOGIN", "5/minute"),
        ("API_THROTTLE_ANON", "100/h"),
        ("LOG_LEVEL", "warning"),
        ("TIME_ZONE", "Europe/Paris"),
    ],
)
def test_it_accepts_good_string_values(name, value):
    result = _load_settings(**{name: value})
    assert result.returncode == 0, result.stderr

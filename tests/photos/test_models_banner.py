"""The dashboard while a model is missing: staff are told the setting and the command,
everyone else only that analysis waits."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def dashboard(client, user):
    client.force_login(user)
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def scene_missing(settings, tmp_path):
    settings.SCENE_MODEL = str(tmp_path / "mobilenetv2-12-int8.onnx")
    settings.SCENE_LABELS = ""
    return tmp_path


def test_it_tells_staff_which_setting_and_command_provide_a_missing_model(
    client, moderator, scene_missing
):
    page = dashboard(client, moderator)
    assert 'id="models-banner"' in page
    assert "<code>SCENE_MODEL</code>" in page and "<code>SCENE_LABELS</code>" in page
    assert "<code>python manage.py models --download</code>" in page
    assert str(scene_missing / "mobilenetv2-12-int8.onnx") in page
    assert "FACE_MODEL_PACK" not in page  # the face pack is there


def test_it_tells_a_user_that_analysis_waits_without_settings_or_paths(
    client, alice, scene_missing
):
    page = dashboard(client, alice)
    assert "Analysis is waiting for a model." in page
    assert "SCENE_MODEL" not in page and str(scene_missing) not in page
    assert "msg-error" not in page and "msg-warning" not in page


def test_it_shows_no_banner_when_every_model_is_there(client, moderator, alice):
    assert 'id="models-banner"' not in dashboard(client, moderator)
    assert 'id="models-banner"' not in dashboard(client, alice)


def test_it_says_a_folder_pack_must_be_copied_not_downloaded(client, moderator, settings, tmp_path):
    settings.FACE_MODEL_PACK = str(tmp_path / "my-pack")
    page = dashboard(client, moderator)
    assert "<code>FACE_MODEL_PACK</code>" in page
    assert "Copy it there" in page and "models --download" not in page

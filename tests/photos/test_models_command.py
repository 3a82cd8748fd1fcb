import io

import pytest
from django.core.management import call_command

from photos import ml


def run():
    out = io.StringIO()
    call_command("models", stdout=out)
    return out.getvalue()


def test_it_prints_both_models_with_their_sizes():
    text = run()
    pack = ml.face_model().pack
    assert f"loads: pack {pack}" in text
    assert "input 640x640" in text and "112x112" in text and "128-d" in text
    assert "mobilenetv2-12-int8.onnx" in text
    assert "input ['batch_size', 3, 224, 224] -> output ['batch_size', 1000]" in text
    assert "1000 labels" in text


def test_it_names_the_setting_of_a_missing_model(settings, tmp_path):
    settings.SCENE_MODEL = str(tmp_path / "gone.onnx")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("models", stdout=out)
    assert exc.value.code == 1
    assert "does not load: SCENE_MODEL:" in out.getvalue()
    assert "loads: pack" in out.getvalue()  # the face pack is still fine

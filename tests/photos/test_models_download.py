"""`python manage.py models --download` against a local HTTP server on 127.0.0.1 that serves
the shared model files (there is no internet here): download, checksums, an interrupted
transfer resumed or restarted, and an unreachable server."""

import io
import shutil
import socket
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command

from photos import ml
from photos.lib.fetch import sha256_of
from tests.conftest import shared_photos_dir

SHARED_MODELS = shared_photos_dir().parent / "models"
SCENE = "mobilenetv2-12-int8.onnx"
LABELS = "imagenet_labels.txt"


class Handler(BaseHTTPRequestHandler):
    """Serves the mirror folder; honours `Range: bytes=N-` unless the server says otherwise,
    and cuts a response short (half the promised bytes, then hang up) when told to."""

    def do_GET(self):
        server = self.server
        server.requests.append((self.path, self.headers.get("Range")))
        path = server.root / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        start = 0
        wanted = self.headers.get("Range", "")
        if wanted.startswith("bytes=") and server.honour_range:
            start = int(wanted[len("bytes=") :].rstrip("-"))
            if start >= len(body):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        chunk = body[start:]
        self.send_header("Content-Length", str(len(chunk)))
        self.end_headers()
        if self.path.lstrip("/") in server.cut:
            self.wfile.write(chunk[: len(chunk) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(chunk)

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror(tmp_path):
    """The shared model files and a face pack zip built from ../shared/models/face."""
    root = tmp_path / "mirror"
    root.mkdir()
    for name in (SCENE, LABELS):
        shutil.copyfile(SHARED_MODELS / "scene" / name, root / name)
    with zipfile.ZipFile(root / "testpack.zip", "w") as zf:
        for onnx in sorted((SHARED_MODELS / "face").glob("*.onnx")):
            zf.write(onnx, onnx.name)
    return root


@pytest.fixture
def server(mirror):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.root, httpd.requests, httpd.cut, httpd.honour_range = mirror, [], set(), True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def models_dir(settings, tmp_path, server):
    """A fresh MODELS_DIR with the production layout: a named pack and the default scene
    model path, fetched from the local server."""
    root = tmp_path / "models"
    settings.MODELS_DIR = root
    settings.FACE_MODEL_PACK = "testpack"
    settings.SCENE_MODEL = str(root / SCENE)
    settings.SCENE_LABELS = ""
    settings.MODEL_DOWNLOAD_BASE = f"http://127.0.0.1:{server.server_port}/"
    ml.clear_cache()
    yield root
    ml.clear_cache()


def download(stdout=None):
    out, err = stdout or io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("models", download=True, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def test_it_pins_the_model_zoo_file_and_the_labels_the_project_uses():
    pins = ml.sources()
    assert pins["scene_model"]["sha256"] == sha256_of(SHARED_MODELS / "scene" / SCENE)
    assert pins["scene_labels"]["sha256"] == sha256_of(SHARED_MODELS / "scene" / LABELS)
    assert "onnx/models" in pins["scene_model"]["url"]
    assert "non-commercial" in pins["face_pack"]["licence"].lower()


def test_it_downloads_every_missing_model_and_they_load(models_dir, server):
    assert {m.setting for m in ml.missing_models()} == {
        "FACE_MODEL_PACK",
        "SCENE_MODEL",
        "SCENE_LABELS",
    }
    code, out, err = download()
    assert code == 0, err
    assert sha256_of(models_dir / SCENE) == ml.sources()["scene_model"]["sha256"]
    assert sha256_of(models_dir / LABELS) == ml.sources()["scene_labels"]["sha256"]
    assert "matches the pin" in out
    assert "not pinned; the pack loads" in out
    # The pack sits where insightface looks for a named pack, and nothing else is left over.
    assert files_under(models_dir) == [
        LABELS,
        SCENE,
        "models",
        "models/testpack",
        "models/testpack/det_scrfd_2.5g_bnkps.onnx",
        "models/testpack/rec_mobilefacenet_128.onnx",
    ]
    assert ml.missing_models() == []
    assert "loads: pack testpack@" in out and "loads: mobilenetv2-12-int8.onnx" in out
    assert sorted(path for path, _ in server.requests) == [
        f"/{LABELS}",
        f"/{SCENE}",
        "/testpack.zip",
    ]


def test_it_fetches_nothing_that_is_already_there(models_dir, server):
    assert download()[0] == 0
    server.requests.clear()
    code, out, _ = download()
    assert code == 0
    assert server.requests == []
    assert out.count("present at") == 3


def test_it_refuses_a_file_whose_checksum_does_not_match_and_keeps_nothing(
    models_dir, mirror, server
):
    (mirror / SCENE).write_bytes((mirror / SCENE).read_bytes()[:-1] + b"\0")
    code, _, err = download()
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("MISSING")]
    assert len(lines) == 1
    assert "(SCENE_MODEL)" in lines[0] and "does not match the pinned" in lines[0]
    assert lines[0].endswith(f"Copy the file to {models_dir / SCENE}, or set SCENE_MODEL.")
    assert not (models_dir / SCENE).exists()
    assert not (models_dir / f"{SCENE}.part").exists()
    # The other models were fine and are in place.
    assert [m.setting for m in ml.missing_models()] == ["SCENE_MODEL"]


def test_it_refuses_an_archive_that_is_not_a_face_pack(models_dir, mirror):
    with zipfile.ZipFile(mirror / "testpack.zip", "w") as zf:
        zf.write(SHARED_MODELS / "face/det_scrfd_2.5g_bnkps.onnx", "det.onnx")  # no recogniser
    code, _, err = download()
    assert code == 1
    assert "MISSING face model pack (FACE_MODEL_PACK)" in err
    assert "is not a usable face pack" in err
    assert files_under(models_dir / "models") == []


def test_it_resumes_an_interrupted_download(models_dir, server):
    server.cut = {SCENE}
    code, _, err = download()
    assert code == 1
    assert "(SCENE_MODEL)" in err and "run again to resume" in err
    assert not (models_dir / SCENE).exists()  # half a model never sits where it is loaded from
    part = models_dir / f"{SCENE}.part"
    size = (SHARED_MODELS / "scene" / SCENE).stat().st_size
    assert 0 < part.stat().st_size < size
    kept = part.stat().st_size

    server.cut = set()
    server.requests.clear()
    code, _, err = download()
    assert code == 0, err
    assert server.requests == [(f"/{SCENE}", f"bytes={kept}-")]
    assert sha256_of(models_dir / SCENE) == ml.sources()["scene_model"]["sha256"]
    assert not part.exists()


def test_it_starts_again_when_the_server_does_not_resume(models_dir, server):
    server.cut = {SCENE}
    assert download()[0] == 1
    server.cut, server.honour_range = set(), False
    code, _, err = download()
    assert code == 0, err
    assert sha256_of(models_dir / SCENE) == ml.sources()["scene_model"]["sha256"]


def test_it_says_what_is_missing_when_the_server_cannot_be_reached(models_dir, settings):
    with socket.socket() as sock:  # a port nothing listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.MODEL_DOWNLOAD_BASE = f"http://127.0.0.1:{port}"
    code, _, err = download()
    assert code == 1
    lines = err.splitlines()
    missing = [line for line in lines if line.startswith("MISSING")]
    assert [line.split(":")[0] for line in missing] == [
        "MISSING face model pack (FACE_MODEL_PACK)",
        "MISSING scene model (SCENE_MODEL)",
        "MISSING scene labels file (SCENE_LABELS)",
    ]
    assert all("cannot be reached" in line for line in missing)
    assert "waits for them" in lines[-1]
    assert files_under(models_dir) == ["models"]  # an empty folder, no partial file


def test_it_does_not_fetch_a_model_it_does_not_know(models_dir, settings, server):
    settings.SCENE_MODEL = str(models_dir / "my-resnet.onnx")
    code, _, err = download()
    assert code == 1
    assert "MISSING scene model (SCENE_MODEL): cannot be downloaded" in err
    assert f"/{SCENE}" not in [path for path, _ in server.requests]


def test_it_shows_progress_on_a_terminal_only(models_dir, tmp_path):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    code, out, _ = download(Terminal())
    assert code == 0
    assert "\r  scene model (SCENE_MODEL): " in out and "(100%)" in out
    shutil.rmtree(models_dir)
    code, out, _ = download()
    assert code == 0
    assert "\r" not in out and "%)" not in out

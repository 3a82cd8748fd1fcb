"""The machine-learning models: the one module that imports onnxruntime, insightface and
rapidocr.

Each model is loaded lazily, once per worker process, and reused by every task that process
runs. A model that is not there raises `ModelMissing` naming the setting to fix; the failure
is not cached, so the model is picked up as soon as it appears.
"""

import functools
import logging
import os
import shutil
import tempfile
import threading
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from photos.lib import face_quality
from photos.lib.fetch import FetchError, Progress, fetch, sha256_of

log = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[tuple, object] = {}


def session_options():
    """ONNX Runtime options for every model session. Its idle worker threads sleep instead
    of spinning (ORT's default): a worker runs one process per core (`celery -c 2`), and a
    process waiting on the database or encoding a WebP would otherwise share its core with
    the other process's spinning threads (bench/RESULTS-analysis.md, section 6)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


class ModelMissing(Exception):
    """A configured model cannot be found or loaded. `setting` names what to fix."""

    def __init__(self, setting: str, message: str):
        super().__init__(message)
        self.setting = setting


@dataclass(frozen=True)
class DetectedFace:
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in the given image's pixels
    landmarks: list[list[float]]  # five [x, y]
    score: float
    embedding: np.ndarray  # float32, L2-normalised
    # Quality signals: the raw embedding's length (low for faces the recogniser is unsure
    # of) and the sharpness of the aligned crop it saw.
    norm: float | None = None
    sharpness: float | None = None


def _cached(key: tuple, load):
    with _lock:
        model = _cache.get(key)
        if model is None:
            model = load()  # raises ModelMissing; a failure is not remembered
            _cache[key] = model
        return model


def clear_cache() -> None:
    with _lock:
        _cache.clear()


# --- Faces ------------------------------------------------------------------------------


def _is_path(pack: str) -> bool:
    return Path(pack).expanduser().is_absolute() or "/" in pack or pack.startswith(".")


def _pack_dir(pack: str) -> Path:
    """Where the pack's ONNX files are: a folder path, or a name under MODELS_DIR/models."""
    if _is_path(pack):
        return Path(pack).expanduser()
    return Path(settings.MODELS_DIR) / "models" / pack


def _has_onnx(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("*.onnx"))


class FaceModel:
    """SCRFD detector + ArcFace recogniser through insightface's FaceAnalysis."""

    def __init__(self, pack: str, det_size: int):
        pack_dir = _pack_dir(pack)
        # A named pack is fetched by `models --download`, never here: a worker does not reach
        # the internet on its own, and insightface's own download leaves a half-extracted
        # folder behind when interrupted, which it then takes for the pack.
        if not _has_onnx(pack_dir):
            hint = (
                "set it to a pack folder"
                if _is_path(pack)
                else "run `python manage.py models --download` or set it to a pack folder"
            )
            raise ModelMissing(
                "FACE_MODEL_PACK",
                f"FACE_MODEL_PACK: the face model pack {pack!r} is not in {pack_dir}; {hint}.",
            )
        from insightface.app import FaceAnalysis

        try:
            self.app = FaceAnalysis(
                name=str(pack_dir),
                root=str(settings.MODELS_DIR),
                allowed_modules=["detection", "recognition"],
                providers=["CPUExecutionProvider"],
                sess_options=session_options(),
            )
        except Exception as exc:  # download errors, a folder without the two models, ...
            raise ModelMissing(
                "FACE_MODEL_PACK",
                f"FACE_MODEL_PACK: the face model pack {pack!r} could not be loaded; set it "
                f"to a folder with a detector and a recogniser ({exc})",
            ) from exc
        if "recognition" not in self.app.models:
            raise ModelMissing(
                "FACE_MODEL_PACK",
                f"FACE_MODEL_PACK: the face model pack {pack!r} has no recognition model.",
            )
        self.app.prepare(ctx_id=-1, det_size=(det_size, det_size))
        self.detector = self.app.models["detection"]
        self.recogniser = self.app.models["recognition"]
        # How many faces one recogniser call takes: a crowd photo is one call, not one
        # per face (a recogniser exported for one face at a time is made to take more).
        self.batch = _batch_recogniser(self.recogniser)
        self.det_size = det_size
        self.dim = int(self.recogniser.output_shape[1])
        rec_file = Path(self.recogniser.model_file)
        self.version = sha256_of(rec_file)[:12]
        # Embeddings are comparable only within one recogniser: the pack id says which.
        self.pack = f"{Path(self.app.model_dir).name}@{self.version}"
        self.description = (
            f"detector {Path(self.detector.model_file).name} "
            f"(input {det_size}x{det_size}), recogniser {rec_file.name} "
            f"(input {self.recogniser.input_size[0]}x{self.recogniser.input_size[1]}, "
            f"{self.dim}-d)"
        )

    def detect(self, bgr: np.ndarray, *, min_score: float, min_size: float) -> list[DetectedFace]:
        from insightface.utils import face_align

        boxes, kpss = self.detector.detect(bgr, max_num=0, metric="default")
        kept = []
        for i in range(boxes.shape[0]):
            x1, y1, x2, y2, score = (float(v) for v in boxes[i])
            if score < min_score or min(x2 - x1, y2 - y1) < min_size or kpss is None:
                continue
            kept.append((x1, y1, x2, y2, score, kpss[i]))
        if not kept:
            return []
        size = self.recogniser.input_size[0]
        crops = [face_align.norm_crop(bgr, landmark=k[5], image_size=size) for k in kept]
        # Batches of at most `self.batch` keep memory flat on very large crowds.
        feats = [
            self.recogniser.get_feat(crops[start : start + self.batch])
            for start in range(0, len(crops), self.batch)
        ]
        embeddings = np.concatenate(feats).astype(np.float32)
        norms = np.linalg.norm(embeddings, axis=1)
        embeddings /= norms[:, None] + 1e-12
        return [
            DetectedFace(
                box=(k[0], k[1], k[2], k[3]),
                landmarks=[[float(x), float(y)] for x, y in k[5]],
                score=k[4],
                embedding=embeddings[i],
                norm=float(norms[i]),
                sharpness=face_quality.sharpness(crops[i]),
            )
            for i, k in enumerate(kept)
        ]


RECOGNISER_BATCH = 64


def _batch_recogniser(recogniser) -> int:
    """The number of faces per recogniser call; rewrites a recogniser fixed at one face.

    Such a model (MobileFaceNet here) declares a batch dimension of 1 and reshapes its
    output to [1, -1]. The graph is copied with a free batch dimension and a reshape that
    keeps it ([0, -1]), loaded as the recogniser's session, and kept only if it gives the
    embeddings the original gives one face at a time; otherwise faces go one by one."""
    declared = recogniser.input_shape[0]
    if not (isinstance(declared, int) and declared == 1):
        return declared if isinstance(declared, int) and declared > 1 else RECOGNISER_BATCH
    import onnx
    import onnxruntime
    from onnx import numpy_helper

    try:
        graph = onnx.load(recogniser.model_file)
        for value in [*graph.graph.input, *graph.graph.output]:
            value.type.tensor_type.shape.dim[0].dim_param = "faces"
        constants = {n.output[0]: n for n in graph.graph.node if n.op_type == "Constant"}
        for node in graph.graph.node:
            shape = constants.get(node.input[1]) if node.op_type == "Reshape" else None
            if shape is None:
                continue
            value = numpy_helper.to_array(shape.attribute[0].t).copy()
            if value.ndim == 1 and value.size >= 2 and value[0] == 1:
                value[0] = 0  # 0: the size of the input's batch dimension
                shape.attribute[0].t.CopyFrom(numpy_helper.from_array(value))
        session = onnxruntime.InferenceSession(
            graph.SerializeToString(), session_options(), providers=["CPUExecutionProvider"]
        )
        rng = np.random.default_rng(0)
        size = recogniser.input_size
        faces = rng.uniform(-1, 1, (3, 3, size[1], size[0])).astype(np.float32)
        name = recogniser.input_name
        together = session.run(None, {name: faces})[0]
        alone = np.concatenate(
            [recogniser.session.run(None, {name: faces[i : i + 1]})[0] for i in range(3)]
        )
        if together.shape != alone.shape or not np.allclose(together, alone, atol=1e-4):
            log.warning(
                "The recogniser %s gives other embeddings in batches: one face a call.",
                recogniser.model_file,
            )
            return 1
    except Exception:
        log.warning(
            "The recogniser %s cannot take batches: one face a call.",
            recogniser.model_file,
            exc_info=True,
        )
        return 1
    recogniser.session = session
    return RECOGNISER_BATCH


def face_model() -> FaceModel:
    pack, det_size = settings.FACE_MODEL_PACK, settings.FACE_DET_SIZE
    key = ("face", pack, str(settings.MODELS_DIR), det_size)
    return _cached(key, lambda: FaceModel(pack, det_size))


# --- Scenes -----------------------------------------------------------------------------

_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def _labels_file(model_path: str, labels_path: str) -> Path:
    return Path(labels_path) if labels_path else Path(model_path).with_name("imagenet_labels.txt")


def _read_labels(path: str) -> list[str]:
    """`wnid name, synonyms` per line (or just `name, synonyms`): the first name is the tag."""
    labels = []
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line:
            continue
        first, _, rest = line.partition(" ")
        if first.startswith("n") and first[1:].isdigit() and rest:
            line = rest
        labels.append(line.split(",")[0].strip())
    return labels


class SceneModel:
    """An ImageNet classifier (MobileNetV2 by default) through onnxruntime."""

    def __init__(self, model_path: str, labels_path: str):
        path = Path(model_path)
        if not path.is_file():
            raise ModelMissing(
                "SCENE_MODEL",
                f"SCENE_MODEL: the scene model {path} does not exist; run `python manage.py "
                "models --download` or set it to an ONNX ImageNet classifier.",
            )
        labels_file = _labels_file(model_path, labels_path)
        if not labels_file.is_file():
            raise ModelMissing(
                "SCENE_LABELS",
                f"SCENE_LABELS: the scene labels file {labels_file} does not exist; run "
                "`python manage.py models --download` or set it to the classifier's class "
                "names, one a line.",
            )
        import onnxruntime

        try:
            self.session = onnxruntime.InferenceSession(
                str(path), session_options(), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise ModelMissing(
                "SCENE_MODEL", f"SCENE_MODEL: the scene model {path} could not be loaded ({exc})"
            ) from exc
        self.labels = _read_labels(str(labels_file))
        model_input = self.session.get_inputs()[0]
        self.input_name = model_input.name
        self.input_shape = list(model_input.shape)
        self.output_shape = list(self.session.get_outputs()[0].shape)
        if len(self.labels) != self.output_shape[-1]:
            raise ModelMissing(
                "SCENE_LABELS",
                f"SCENE_LABELS: {labels_file} has {len(self.labels)} labels but the model has "
                f"{self.output_shape[-1]} classes; set it to the matching file.",
            )
        self.name = path.name
        self.version = sha256_of(path)[:12]
        self.description = (
            f"{path.name} (input {'x'.join(str(d) for d in self.input_shape[1:])}, "
            f"{len(self.labels)} classes)"
        )

    @staticmethod
    def preprocess(rgb) -> np.ndarray:
        """Short side to 256, centre crop 224, /255, ImageNet mean and std, NCHW."""
        from PIL import Image

        width, height = rgb.size
        scale = 256 / min(width, height)
        resized = rgb.resize(
            (max(224, round(width * scale)), max(224, round(height * scale))),
            Image.Resampling.BILINEAR,
        )
        width, height = resized.size
        left, top = (width - 224) // 2, (height - 224) // 2
        crop = resized.crop((left, top, left + 224, top + 224))
        array = (np.asarray(crop, dtype=np.float32) / 255.0 - _MEAN) / _STD
        return array.transpose(2, 0, 1)[None].astype(np.float32)

    def probabilities(self, rgb) -> np.ndarray:
        """Softmax over the classes for one RGB PIL image."""
        logits = self.session.run(None, {self.input_name: self.preprocess(rgb)})[0][0]
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()


def scene_model() -> SceneModel:
    model_path, labels_path = settings.SCENE_MODEL, settings.SCENE_LABELS
    key = ("scene", model_path, labels_path)
    return _cached(key, lambda: SceneModel(model_path, labels_path))


# --- Text in photos ---------------------------------------------------------------------


@dataclass(frozen=True)
class TextLine:
    text: str
    # The line's four corners, clockwise from the top left, as fractions of the image's
    # width and height (so that they fit the photo at any size).
    box: list[list[float]]
    score: float


def _rapidocr_dir() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("rapidocr")
    return Path(spec.origin).parent if spec is not None and spec.origin else None


class TextModel:
    """PP-OCRv6 text detection and recognition (small), the ONNX files shipped inside the
    `rapidocr` wheel, run by rapidocr on onnxruntime. Nothing is downloaded: the model
    paths are given, so rapidocr's own download code never runs. The 180° orientation
    classifier is left out: photos are made upright from their EXIF before they get here."""

    DET, REC = "PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx"

    def __init__(self, det_side: int):
        package = _rapidocr_dir()
        models = package / "models" if package else None
        if models is None or not (models / self.DET).is_file() or not (models / self.REC).is_file():
            raise ModelMissing(
                "TEXT_RECOGNITION",
                "TEXT_RECOGNITION: the rapidocr package (with its PP-OCRv6 models) is not "
                "installed; install requirements.txt or set TEXT_RECOGNITION=0.",
            )
        from rapidocr import RapidOCR
        from rapidocr.inference_engine.onnxruntime.main import OrtInferSession

        # rapidocr builds its sessions with its own options (idle threads spinning); ours
        # sleep when idle, as every other model's (session_options).
        OrtInferSession._init_sess_opts = staticmethod(lambda cfg: session_options())
        try:
            self.engine = RapidOCR(
                params={
                    "Global.use_cls": False,
                    "Global.log_level": "error",
                    "Global.max_side_len": 2048,
                    "Det.limit_type": "max",
                    "Det.limit_side_len": det_side,
                    "Det.model_path": str(models / self.DET),
                    "Rec.model_path": str(models / self.REC),
                }
            )
            self.engine._load_det_model()
            self.engine._load_rec_model()
        except Exception as exc:
            raise ModelMissing(
                "TEXT_RECOGNITION", f"TEXT_RECOGNITION: the text models could not be loaded ({exc})"
            ) from exc
        self.name = "PP-OCRv6 small (rapidocr)"
        self.version = sha256_of(models / self.REC)[:12]
        self.det_side = det_side
        self.description = f"{self.DET} (long side {det_side}) + {self.REC}, from {models}"

    def read(self, rgb: np.ndarray) -> list[TextLine]:
        """The lines of text in one upright RGB image, in reading order. An image with no
        text costs the detector's run only: recognition runs on the boxes found."""
        height, width = rgb.shape[:2]
        result = self.engine(np.ascontiguousarray(rgb))
        if result.boxes is None or not result.txts:
            return []
        lines = []
        for box, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
            corners = [[float(x) / width, float(y) / height] for x, y in box]
            lines.append(TextLine(str(text), corners, float(score)))
        return lines


def text_model() -> TextModel:
    det_side = settings.TEXT_DET_SIDE
    return _cached(("text", det_side), lambda: TextModel(det_side))


def model_available(kind: str) -> bool:
    """Cheap check used by the sweep: would the model load now?"""
    load = {"faces": face_model, "scenes": scene_model, "text": text_model}[kind]
    try:
        load()
    except ModelMissing:
        return False
    return True


# --- What is missing, and fetching it ---------------------------------------------------

SOURCES_FILE = Path(__file__).with_name("model_sources.toml")


@functools.cache
def sources() -> dict:
    """The pins: each model's URL, SHA-256, source and licence (model_sources.toml)."""
    with open(SOURCES_FILE, "rb") as fh:
        return tomllib.load(fh)


@dataclass(frozen=True)
class ModelFile:
    """One model the configuration needs and where it must be. Checking costs a few stats:
    nothing is loaded, so the dashboard can ask on every request."""

    key: str  # its table in model_sources.toml
    setting: str
    title: str
    path: Path
    present: bool
    sha256: str  # the pin; "" when none is pinned
    licence: str
    fetchable: str  # "" when `models --download` can fetch it, else why not


def model_files() -> list[ModelFile]:
    pins = sources()
    pack = settings.FACE_MODEL_PACK
    pack_dir = _pack_dir(pack)
    face = pins["face_pack"]
    scene, labels = pins["scene_model"], pins["scene_labels"]
    scene_path = Path(settings.SCENE_MODEL)
    labels_path = _labels_file(settings.SCENE_MODEL, settings.SCENE_LABELS)
    known_scene = scene_path.name == scene["file"]
    other_scene = f"SCENE_MODEL names {scene_path.name}, not the pinned {scene['file']}"
    return [
        ModelFile(
            key="face_pack",
            setting=face["setting"],
            title=face["title"],
            path=pack_dir,
            present=_has_onnx(pack_dir),
            sha256=face.get("sha256", {}).get(pack, ""),
            licence=face["licence"],
            fetchable="FACE_MODEL_PACK is a folder, not a pack name" if _is_path(pack) else "",
        ),
        ModelFile(
            key="scene_model",
            setting=scene["setting"],
            title=scene["title"],
            path=scene_path,
            present=scene_path.is_file(),
            sha256=scene["sha256"],
            licence=scene["licence"],
            fetchable="" if known_scene else other_scene,
        ),
        ModelFile(
            key="scene_labels",
            setting=labels["setting"],
            title=labels["title"],
            path=labels_path,
            present=labels_path.is_file(),
            sha256=labels["sha256"],
            licence=labels["licence"],
            fetchable="" if known_scene else other_scene,
        ),
    ]


def missing_models() -> list[ModelFile]:
    return [model for model in model_files() if not model.present]


def download_url(model: ModelFile) -> str:
    """The pinned URL, or `<MODEL_DOWNLOAD_BASE>/<file>` when a mirror is configured."""
    if model.key == "face_pack":
        from insightface.utils.storage import model_zoo_download_url

        name = f"{settings.FACE_MODEL_PACK}.zip"
        url = model_zoo_download_url(name)
    else:
        pin = sources()[model.key]
        name, url = pin["file"], pin["url"]
    base = settings.MODEL_DOWNLOAD_BASE
    return f"{base.rstrip('/')}/{name}" if base else url


def download(model: ModelFile, progress: Progress | None = None) -> str:
    """Fetch one missing model to where the configuration expects it; return its SHA-256.

    Raises `FetchError` (one line) when it cannot; then nothing is left where a model is
    looked for. A `.part` file may stay beside it so that the next run resumes."""
    if model.fetchable:
        raise FetchError(f"cannot be downloaded: {model.fetchable}")
    url = download_url(model)
    if model.key != "face_pack":
        return fetch(url, model.path, sha256=model.sha256, progress=progress)
    pack_dir = model.path
    archive = pack_dir.with_name(pack_dir.name + ".zip")
    digest = fetch(url, archive, sha256=model.sha256, progress=progress)
    staging = Path(tempfile.mkdtemp(prefix=f".{pack_dir.name}.", dir=pack_dir.parent))
    try:
        try:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(staging)  # zipfile drops absolute paths and `..` parts
        except zipfile.BadZipFile as exc:
            raise FetchError(f"{url} is not a zip archive ({exc}); nothing was kept") from exc
        root = staging
        folders = [p for p in staging.iterdir() if p.is_dir()]
        if not _has_onnx(root) and len(folders) == 1:
            root = folders[0]  # some packs hold a folder named after them
        try:
            # Without a pinned checksum, the pack is trusted only if both its models load.
            FaceModel(str(root), settings.FACE_DET_SIZE)
        except ModelMissing as exc:
            raise FetchError(f"{url} is not a usable face pack ({exc}); nothing was kept") from exc
        if pack_dir.exists():
            shutil.rmtree(pack_dir)  # a folder without models (insightface cut short)
        os.replace(root, pack_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        archive.unlink(missing_ok=True)
    return digest

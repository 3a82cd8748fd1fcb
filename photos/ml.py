"""The machine-learning models: the one module that imports onnxruntime and insightface.

Each model is loaded lazily, once per worker process, and reused by every task that process
runs. A model that is not there raises `ModelMissing` naming the setting to fix; the failure
is not cached, so the model is picked up as soon as it appears.
"""

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from photos.lib import face_quality

_lock = threading.Lock()
_cache: dict[tuple, object] = {}


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


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


class FaceModel:
    """SCRFD detector + ArcFace recogniser through insightface's FaceAnalysis."""

    def __init__(self, pack: str, det_size: int):
        pack_dir = _pack_dir(pack)
        named = not _is_path(pack)
        if not named and not pack_dir.is_dir():
            raise ModelMissing(
                "FACE_MODEL_PACK",
                f"FACE_MODEL_PACK: the face model pack folder {pack_dir} does not exist; "
                "set it to a pack folder or an insightface pack name.",
            )
        from insightface.app import FaceAnalysis

        try:
            # A pack name that is not in MODELS_DIR yet is downloaded by insightface here.
            self.app = FaceAnalysis(
                name=str(pack_dir) if not named or pack_dir.is_dir() else pack,
                root=str(settings.MODELS_DIR),
                allowed_modules=["detection", "recognition"],
                providers=["CPUExecutionProvider"],
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
        self.det_size = det_size
        self.dim = int(self.recogniser.output_shape[1])
        rec_file = Path(self.recogniser.model_file)
        self.version = _file_digest(rec_file)[:12]
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
        # Batches keep memory flat on crowd photos; some recognisers take one face at a time.
        batch = self.recogniser.input_shape[0]
        batch = batch if isinstance(batch, int) and batch > 0 else 32
        feats = [
            self.recogniser.get_feat(crops[start : start + batch])
            for start in range(0, len(crops), batch)
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


def face_model() -> FaceModel:
    pack, det_size = settings.FACE_MODEL_PACK, settings.FACE_DET_SIZE
    key = ("face", pack, str(settings.MODELS_DIR), det_size)
    return _cached(key, lambda: FaceModel(pack, det_size))


# --- Scenes -----------------------------------------------------------------------------

_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


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
                f"SCENE_MODEL: the scene model {path} does not exist; set it to an ONNX "
                "ImageNet classifier.",
            )
        labels_file = Path(labels_path) if labels_path else path.with_name("imagenet_labels.txt")
        if not labels_file.is_file():
            raise ModelMissing(
                "SCENE_LABELS",
                f"SCENE_LABELS: the scene labels file {labels_file} does not exist; set it "
                "to the classifier's class names, one a line.",
            )
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        try:
            self.session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
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
        self.version = _file_digest(path)[:12]
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


def model_available(kind: str) -> bool:
    """Cheap check used by the sweep: would the model load now?"""
    try:
        face_model() if kind == "faces" else scene_model()
    except ModelMissing:
        return False
    return True

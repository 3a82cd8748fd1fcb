"""Photo quality measures used to choose covers: no Django, no models, only pixels."""

import math

import cv2
import numpy as np

# Variance of the Laplacian of a sharp photo at ~1000 px wide is in the hundreds to
# thousands; a blurred one is in the tens. Scores map log10(variance) from 1 to 3 onto 0..1.
_SHARP_LOG_LOW, _SHARP_LOG_HIGH = 1.0, 3.0
_WORK_SIDE = 1024  # measured on a fixed size so the numbers do not depend on resolution


def _gray(rgb: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    scale = _WORK_SIDE / max(height, width)
    if scale < 1:
        rgb = cv2.resize(rgb, (round(width * scale), round(height * scale)), cv2.INTER_AREA)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def sharpness(rgb: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image."""
    return float(cv2.Laplacian(_gray(rgb), cv2.CV_64F).var())


def measure(rgb: np.ndarray) -> tuple[float, float]:
    """(sharpness, exposure) from one grey conversion."""
    gray = _gray(rgb)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var()), _exposure_of(gray)


def sharpness_score(variance: float) -> float:
    value = (math.log10(variance + 1.0) - _SHARP_LOG_LOW) / (_SHARP_LOG_HIGH - _SHARP_LOG_LOW)
    return min(max(value, 0.0), 1.0)


def exposure(rgb: np.ndarray) -> float:
    """0..1: 1 for a well exposed image, lower when dark, blown out or heavily clipped."""
    return _exposure_of(_gray(rgb))


def _exposure_of(gray: np.ndarray) -> float:
    gray = gray.astype(np.float32) / 255.0
    mean = float(gray.mean())
    clipped = float(((gray < 0.02) | (gray > 0.98)).mean())
    balance = 1.0 - min(abs(mean - 0.5) * 2.0, 1.0)
    return max(0.0, balance * (1.0 - clipped))


def face_visibility(faces: list[tuple[float, float, float, float, float]], width, height) -> float:
    """0..1 from (x1, y1, x2, y2, score) boxes: confident faces fully inside the frame."""
    if not faces:
        return 0.0
    values = []
    for x1, y1, x2, y2, score in faces:
        inside = x1 >= 0 and y1 >= 0 and x2 <= width and y2 <= height
        values.append(score * (1.0 if inside else 0.5))
    return sum(values) / len(values)


def quality_score(sharp: float, expo: float, faces: float | None) -> float:
    """Combine into one 0..1 number; face visibility counts only when faces were looked for."""
    score_sharp = sharpness_score(sharp)
    if faces is None:
        return round(0.6 * score_sharp + 0.4 * expo, 4)
    return round(0.5 * score_sharp + 0.3 * expo + 0.2 * faces, 4)

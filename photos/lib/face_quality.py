"""Is a detected face clear enough to recognise? Measures of one face, no Django.

A face that is too small, too blurred, too far in profile or too uncertain is kept and
shown on its photo, but never grouped into a person nor matched to one: its embedding is
not reliable enough, and a crowd of such faces would otherwise make people of strangers.
The thresholds were measured on the shared photos (docs/analysis.md).
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Thresholds:
    min_size: float  # pixels, the short side of the box in the original photo
    min_score: float  # the detector's confidence
    max_yaw: float  # |nose offset from the eyes' midpoint| / eye distance; 0 is frontal
    min_sharpness: float  # variance of the Laplacian of the aligned grey crop
    min_norm: float  # length of the recogniser's raw embedding (0 = not measured)


def yaw(landmarks) -> float | None:
    """How far the face is turned: the nose's horizontal offset from the midpoint of the
    eyes, in eye distances (five landmarks: left eye, right eye, nose, mouth corners).
    About 0 for a frontal face, past 0.5 for a half profile."""
    if not landmarks or len(landmarks) < 3:
        return None
    (lx, ly), (rx, ry), (nx, _ny) = landmarks[0], landmarks[1], landmarks[2]
    eyes = float(np.hypot(rx - lx, ry - ly))
    if eyes < 1e-6:
        return 10.0  # both eyes on one point: a full profile
    return abs(nx - (lx + rx) / 2) / eyes


def sharpness(grey: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian: low for a blurred or upscaled crop."""
    g = np.asarray(grey, dtype=np.float32)
    if g.ndim == 3:
        g = g.mean(axis=2)
    if g.shape[0] < 3 or g.shape[1] < 3:
        return 0.0
    lap = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float(lap.var())


def unclear_reasons(
    *,
    box,
    score: float,
    landmarks,
    sharp: float | None,
    norm: float | None,
    limits: Thresholds,
) -> list[str]:
    """Why a face is not clear enough to recognise; an empty list means it is clear.
    A measure that is missing (older rows, a recogniser without it) does not count."""
    reasons = []
    if min(box[2] - box[0], box[3] - box[1]) < limits.min_size:
        reasons.append("small")
    if score < limits.min_score:
        reasons.append("uncertain")
    turned = yaw(landmarks)
    if turned is not None and turned > limits.max_yaw:
        reasons.append("profile")
    if sharp is not None and sharp < limits.min_sharpness:
        reasons.append("blurred")
    if norm is not None and limits.min_norm and norm < limits.min_norm:
        reasons.append("weak embedding")
    return reasons

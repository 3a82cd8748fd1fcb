"""Quality: sharpness and exposure of the middle frame, and how visible the faces are.

Needs cloud_processing (photos.analysis.steps registers it); uses the faces only when
face_analysis is granted too."""

from photos.analysis.steps import StepResult
from photos.lib import quality as quality_lib
from photos.models import Face, Photo
from privacy.models import Scope


def compute(photo, media) -> StepResult:
    frame = media.frames[len(media.frames) // 2]
    sharp, expo = quality_lib.measure(frame.rgb)
    data = {"sharpness": sharp, "exposure": expo, "width": media.width, "height": media.height}
    return StepResult("opencv-laplacian", "1", data=data)


def store(photo, result: StepResult, granted):
    sharp, expo = result.data["sharpness"], result.data["exposure"]
    face_rows = None
    if Scope.FACE_ANALYSIS in granted:
        face_rows = list(
            Face.objects.filter(photo=photo).values_list("x1", "y1", "x2", "y2", "det_score")
        )
    visibility = (
        quality_lib.face_visibility(face_rows, result.data["width"], result.data["height"])
        if face_rows
        else None
    )
    score = quality_lib.quality_score(sharp, expo, visibility)
    Photo.objects.filter(pk=photo.pk).update(
        sharpness=round(sharp, 2), exposure=round(expo, 4), quality_score=score
    )
    summary = f"sharpness {sharp:.1f}, exposure {expo:.2f}"
    if visibility is not None:
        summary += f", faces {visibility:.2f}"
    summary += f": quality {score:.2f}"
    return summary, {"sharpness": sharp, "exposure": expo, "faces": visibility, "score": score}

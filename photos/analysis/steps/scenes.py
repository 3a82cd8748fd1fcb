"""Scenes: ImageNet tags (photos.ml) and the themes they add up to; videos and screenshots.

Needs cloud_processing (photos.analysis.steps registers it)."""

import numpy as np
from django.conf import settings

from photos import ml
from photos.analysis.steps import StepResult
from photos.lib.themes import is_screenshot, themes_for
from photos.models import MediaType, PhotoTheme, Tag, Theme


def compute(photo, media) -> StepResult:
    model = ml.scene_model()
    probabilities = np.mean([model.probabilities(f.image) for f in media.frames], axis=0)
    order = np.argsort(-probabilities)[: settings.SCENE_TOP_K]
    tags = [
        (model.labels[i], round(float(probabilities[i]), 4))
        for i in order
        if probabilities[i] >= settings.SCENE_MIN_SCORE
    ]
    themes = themes_for(model.labels, probabilities)
    camera = photo.camera_make or photo.camera_model
    if photo.media_type == MediaType.VIDEO:
        themes[Theme.VIDEOS] = 1.0
    elif is_screenshot(photo.extension, camera, media.width, media.height):
        themes[Theme.SCREENSHOTS] = 1.0
    return StepResult(model.name, model.version, data={"tags": tags, "themes": themes})


def store(photo, result: StepResult, granted):
    tags, themes = result.data["tags"], result.data["themes"]
    # A label that appears twice in ImageNet (crane, maillot) is one tag.
    unique = {}
    for label, score in tags:
        unique.setdefault(label[:100], score)
    Tag.objects.filter(photo=photo).delete()
    Tag.objects.bulk_create(
        [
            Tag(photo=photo, label=label, score=score, model_name=result.model_name)
            for label, score in unique.items()
        ]
    )
    PhotoTheme.objects.filter(photo=photo).delete()
    PhotoTheme.objects.bulk_create(
        [
            PhotoTheme(photo=photo, owner_id=photo.owner_id, theme=theme, score=score)
            for theme, score in themes.items()
        ]
    )
    tag_text = ", ".join(f"{label} {score:.2f}" for label, score in unique.items()) or "none"
    summary = f"tags: {tag_text}"
    if themes:
        summary += f"; themes: {', '.join(sorted(themes))}"
    return summary, {"tags": dict(unique), "themes": themes}

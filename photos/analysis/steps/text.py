"""Text in photos: the lines of text a photo shows (a receipt, a sign, a ticket), read by
rapidocr's PP-OCRv6 models (photos.ml), with their boxes and confidence, for search.

Needs cloud_processing at the terms in force (version 2 added this step): a user who
accepted an earlier version keeps the other steps, and this one waits for the new terms
(photos.analysis.steps registers it with `current_terms`). TEXT_RECOGNITION=0 turns it off
for the whole service."""

import numpy as np
from django.conf import settings

from photos import ml
from photos.analysis.steps import StepResult
from photos.lib import text as text_lib
from photos.models import MediaType, PhotoText


def compute(photo, media) -> StepResult:
    model = ml.text_model()
    # A photo's image as the other steps see it (long side at most 2048): the detector
    # scales it down to TEXT_DET_SIDE, recognition reads its lines at this resolution. A
    # video: its middle key frame only.
    frame = media.frames[len(media.frames) // 2]
    lines = model.read(np.asarray(frame.image))
    kept = text_lib.clean_lines(lines, settings.TEXT_MIN_SCORE)
    data = {"lines": kept, "video": photo.media_type == MediaType.VIDEO}
    return StepResult(model.name, model.version, data=data)


def store(photo, result: StepResult, granted):
    lines = result.data["lines"]
    PhotoText.objects.filter(photo=photo).delete()
    PhotoText.objects.bulk_create(
        [
            PhotoText(
                photo=photo,
                owner_id=photo.owner_id,
                position=i,
                text=text,
                folded=text_lib.fold_words(text)[:520],
                box=box,
                score=score,
                model_name=result.model_name[:200],
            )
            for i, (text, box, score) in enumerate(lines)
        ]
    )
    words = sum(len(text.split()) for text, _, _ in lines)
    # The log says how much was read, never what: the text itself is kept only on the
    # photo, where deleting the photo or the analysis removes it.
    summary = f"{len(lines)} lines of text read ({words} words)" if lines else "no text found"
    return summary, {"lines": len(lines), "words": words}

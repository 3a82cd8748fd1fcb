"""Faces: detection, landmarks and embeddings (photos.ml), crops, and people assignment.

Needs cloud_processing and face_analysis (photos.analysis.steps registers it)."""

import numpy as np
from django.conf import settings
from django.db import transaction

from photos import ml, people
from photos.analysis.media import remove_files
from photos.analysis.steps import StepResult
from photos.lib import faces as face_maths
from photos.lib.crops import crop_filename, crop_jpeg
from photos.models import Face, face_crop_path


def _unrecognised_boxes(photo) -> list[tuple]:
    """(frame time, box) of the photo's faces whose person was forgotten (read, not locked;
    the store decides again under the lock)."""
    return [
        (time, (x1, y1, x2, y2))
        for time, x1, y1, x2, y2 in Face.objects.filter(photo=photo, unrecognised=True)
        .order_by()
        .values_list("frame_time", "x1", "y1", "x2", "y2")
    ]


def compute(photo, media) -> StepResult:
    model = ml.face_model()
    found = []  # (frame time, box and landmarks in original pixels, detection, crop name)
    files = {}
    # A forgotten person's face kept on its photo gets no crop again: not even written.
    forgotten = _unrecognised_boxes(photo)
    for frame in media.frames:
        detections = model.detect(
            np.ascontiguousarray(frame.rgb[:, :, ::-1]),
            min_score=settings.FACE_MIN_SCORE,
            min_size=settings.FACE_MIN_SIZE / frame.scale,
        )
        for det in detections:
            box = tuple(round(v * frame.scale, 1) for v in det.box)
            landmarks = [
                [round(x * frame.scale, 1), round(y * frame.scale, 1)] for x, y in det.landmarks
            ]
            if any(t == frame.time and face_maths.iou(b, box) > 0.5 for t, b in forgotten):
                found.append((frame.time, box, landmarks, det, None))
                continue
            # The crop is encoded here and written by the runner before the store
            # transaction: no file I/O while the owner is locked.
            data = crop_jpeg(frame, box)
            filename = crop_filename(photo.sha256, model.version, box, frame.time, data)
            name = face_crop_path(Face(owner_id=photo.owner_id), filename)
            files[name] = data
            found.append((frame.time, box, landmarks, det, name))
    data = {"pack": model.pack, "dim": model.dim, "found": found}
    return StepResult(model.pack, model.version, data=data, files=files)


def store(photo, result: StepResult, granted):
    pack, dim, found = result.data["pack"], result.data["dim"], result.data["found"]
    existing = list(Face.objects.filter(photo=photo))
    stale = [f for f in existing if f.pack != pack]
    same = [f for f in existing if f.pack == pack]
    affected = {f.person_id for f in stale if f.person_id}
    kept, new_faces, old_crops = [], [], []
    for time, box, landmarks, det, name in found:
        match = next(
            (
                f
                for f in same
                if f not in kept and f.frame_time == time and face_maths.iou(f.box, box) > 0.5
            ),
            None,
        )
        face = match or Face(owner_id=photo.owner_id, photo=photo, pack=pack)
        face.x1, face.y1, face.x2, face.y2 = box
        face.landmarks = landmarks
        face.det_score = round(float(det.score), 4)
        face.embedding = face_maths.to_bytes(det.embedding)
        face.dim = dim
        face.frame_time = time
        if match and match.crop:
            old_crops.append(match.crop.name)
        face.crop.name = result.saved.get(name, "")
        # Clear or not; a forgotten face's embedding and crop stay empty.
        people.measure(face, det)
        if match:
            kept.append(match)
        else:
            new_faces.append(face)
    gone = [f for f in same if f not in kept] + stale
    affected |= {f.person_id for f in gone if f.person_id}
    old_crops += [f.crop.name for f in gone if f.crop]
    # The new rows first: the corrections on the faces they replace move over to them
    # (a forgotten face made again loses its embedding and crop there) before those go.
    Face.objects.bulk_create(new_faces)
    people.carry_corrections(gone, new_faces)
    if gone:
        Face.objects.filter(pk__in=[f.pk for f in gone]).delete()
    if kept:
        fields = ["x1", "y1", "x2", "y2", "landmarks", "det_score", "dim", "crop"]
        Face.objects.bulk_update(kept, fields + people.QUALITY_FIELDS)
    # Crops no face shows any more go once this is committed (a repeated run keeps its own),
    # and so do the ones written for this run that no face took (a forgotten face's).
    if existing:
        in_use = set(
            Face.objects.filter(photo=photo).exclude(crop="").values_list("crop", flat=True)
        )
    else:  # a first run: the photo's faces are the new rows, nothing moved onto them
        in_use = {f.crop.name for f in new_faces if f.crop}
    unused = {n for n in [*old_crops, *result.saved.values()] if n not in in_use}
    if unused:
        transaction.on_commit(lambda: remove_files(sorted(unused)))
    matched = people.assign_new_faces(photo.owner_id, pack, new_faces)
    people.refresh(affected - {None})
    total = len(kept) + len(new_faces)
    embedded = sum(1 for f in kept + new_faces if f.embedding)
    summary = f"{total} faces detected, {embedded} embeddings stored"
    if matched:
        summary += f", {matched} matched to known people"
    details = {"faces": total, "pack": pack, "dim": dim, "frames": len({f[0] for f in found})}
    return summary, details

"""Near-duplicates: a perceptual hash, and the owner's photos within a few bits of it.

Needs cloud_processing (photos.analysis.steps registers it)."""

from photos.analysis.steps import StepResult
from photos.lib import phash as phash_lib
from photos.models import Photo


def compute(photo, media) -> StepResult:
    image = media.frames[len(media.frames) // 2].image
    # The hash looks at 32x32 pixels: a cheap box reduction first costs nothing in accuracy.
    factor = max(1, min(image.size) // 256)
    value = phash_lib.phash(image.reduce(factor) if factor > 1 else image)
    return StepResult("imagehash-phash", "1", data=value)


def store(photo, result: StepResult, granted):
    value = result.data
    others = candidates(photo.owner_id, value, exclude=photo.pk)
    near = [others[i] for i in phash_lib.near(value, [o[1] for o in others])]
    group = None
    if near:
        groups = {g for _, _, g in near if g is not None}
        members = {pk for pk, _, _ in near} | {photo.pk}
        group = min(members | groups)
        if groups:
            # Two groups joined by this photo become one.
            Photo.objects.filter(owner_id=photo.owner_id, duplicate_group__in=groups).update(
                duplicate_group=group
            )
        Photo.objects.filter(pk__in=members).update(duplicate_group=group)
    else:
        # No longer near anything (re-run after a change): leave any group it was in.
        old = Photo.objects.filter(pk=photo.pk).values_list("duplicate_group", flat=True).first()
        if old is not None:
            _dissolve_if_single(photo.owner_id, old, photo.pk)
    Photo.objects.filter(pk=photo.pk).update(
        phash=value, duplicate_group=group, **hash_columns(value)
    )
    summary = f"perceptual hash {value}"
    summary += f"; near-duplicate of {len(near)} photo(s)" if near else "; no near-duplicates"
    return summary, {"phash": value, "group": group, "near": [pk for pk, _, _ in near]}


def hash_columns(value: str) -> dict[str, int | None]:
    """The indexed chunk columns of a hash ("" clears them)."""
    parts = phash_lib.chunks(value) if value else (None,) * phash_lib.CHUNKS
    return {f"phash_{i}": part for i, part in enumerate(parts)}


def candidate_rows(owner_id, value: str, *, exclude=None):
    """(pk, phash, duplicate_group) of the owner's photos that may be within
    DUPLICATE_MAX_DISTANCE of `value`: a superset of the near ones, found through the chunk
    indexes, so its size follows the near photos and not the library. One query per chunk
    joined by UNION: each then uses its own (owner, chunk) index, where an OR of the four
    leaves the planner free to walk every photo of the owner instead."""
    owned = Photo.objects.for_owner(owner_id).exclude(phash="").order_by()
    if exclude is not None:
        owned = owned.exclude(pk=exclude)
    parts = [
        owned.filter(**{f"phash_{i}__in": values}).values_list("pk", "phash", "duplicate_group")
        for i, values in enumerate(phash_lib.candidate_chunks(value))
    ]
    return parts[0].union(*parts[1:])


def candidates(owner_id, value: str, *, exclude=None) -> list[tuple[int, str, int | None]]:
    return sorted(candidate_rows(owner_id, value, exclude=exclude))


def _dissolve_if_single(owner_id, group, leaving) -> None:
    rest = Photo.objects.filter(owner_id=owner_id, duplicate_group=group).exclude(pk=leaving)
    if rest.count() <= 1:
        rest.update(duplicate_group=None)

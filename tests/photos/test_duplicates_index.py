"""The near-duplicate step finds its candidates through the indexed hash chunks
(multi-index hashing), and that gives the same groups as comparing with every photo."""

import hashlib
import io
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from photos.analysis.steps import StepResult, duplicates
from photos.lib import phash as phash_lib
from photos.lib.decode import load_image
from photos.models import Photo

# --- Without a database -------------------------------------------------------------------


def _flip(value: int, bits: list[int]) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


def _hex(value: int) -> str:
    return f"{value:016x}"


def _synthetic_hashes(rng: random.Random, seeds: int = 60) -> list[str]:
    """Random hashes, each with copies at every distance from 1 to 9 bits: the bits of a
    copy spread over the chunks as evenly as possible too (the hardest case for the index)."""
    values = []
    for _ in range(seeds):
        seed = rng.getrandbits(64)
        values.append(_hex(seed))
        for distance in range(1, 10):
            values.append(_hex(_flip(seed, rng.sample(range(64), distance))))
        # 6 bits as 2+2+1+1 over the four chunks: no chunk equal, each within one bit or two.
        values.append(_hex(_flip(seed, [0, 1, 16, 17, 32, 48])))
    return values


def _in_candidates(value: str, other: str) -> bool:
    """What the SQL filter of duplicates.candidates does, in Python."""
    wanted = phash_lib.candidate_chunks(value)
    return any(part in wanted[i] for i, part in enumerate(phash_lib.chunks(other)))


def test_it_cuts_a_hash_into_four_16_bit_chunks():
    assert phash_lib.chunks("ffff0000ffff0001") == (0xFFFF, 0, 0xFFFF, 1)
    assert phash_lib.chunks("0123456789abcdef") == (0x0123, 0x4567, 0x89AB, 0xCDEF)


def test_it_lists_each_neighbour_of_a_chunk_once():
    one = phash_lib.chunk_neighbours(0b1010, 1)
    assert one[0] == 0b1010 and len(one) == len(set(one)) == 17
    two = phash_lib.chunk_neighbours(0b1010, 2)
    assert len(two) == len(set(two)) == 1 + 16 + 120
    assert all(bin(v ^ 0b1010).count("1") <= 2 for v in two)


def test_it_never_misses_a_near_hash_in_the_candidates():
    hashes = _synthetic_hashes(random.Random(16))
    for value in hashes:
        near = {hashes[i] for i in phash_lib.near(value, hashes)}
        assert near, value  # itself at least
        missed = [other for other in near if not _in_candidates(value, other)]
        assert not missed, (value, missed)


NOW = timezone.now()

# --- Against the database -----------------------------------------------------------------


def _rows(owner, hashes: list[str], tag: str) -> list[Photo]:
    """Bulk-created photos with these hashes (no file: the step's store reads rows only)."""
    photos = [
        Photo(
            owner=owner,
            sha256=hashlib.sha256(f"{tag}-{i}".encode()).hexdigest(),
            original=f"u{owner.pk}/originals/{tag}-{i}.jpg",
            extension="jpg",
            content_type="image/jpeg",
            file_size=1,
            taken_at=NOW - timedelta(minutes=i),
        )
        for i in range(len(hashes))
    ]
    return Photo.objects.bulk_create(photos)


def _store_all(photos, hashes):
    for photo, value in zip(photos, hashes, strict=True):
        photo.refresh_from_db()
        duplicates.store(photo, StepResult("imagehash-phash", "1", data=value), set())


def _brute_force_candidates(owner_id, value, *, exclude=None):
    """The lookup as it was: every hash the owner has."""
    rows = Photo.objects.for_owner(owner_id).exclude(phash="")
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return list(rows.order_by("pk").values_list("pk", "phash", "duplicate_group"))


def _partition(photos) -> set[frozenset[int]]:
    """The groups as sets of positions in the list (pks differ between the two owners)."""
    position = {p.pk: i for i, p in enumerate(photos)}
    groups: dict[int, set[int]] = {}
    for pk, group in Photo.objects.filter(pk__in=position).values_list("pk", "duplicate_group"):
        if group is not None:
            groups.setdefault(group, set()).add(position[pk])
    return {frozenset(members) for members in groups.values()}


def _compare_with_brute_force(alice, bob, hashes, monkeypatch) -> set[frozenset[int]]:
    indexed = _rows(alice, hashes, "indexed")
    _store_all(indexed, hashes)
    brute = _rows(bob, hashes, "brute")
    monkeypatch.setattr(duplicates, "candidates", _brute_force_candidates)
    _store_all(brute, hashes)
    monkeypatch.undo()
    expected = _partition(brute)
    assert _partition(indexed) == expected
    return expected


@pytest.mark.django_db
def test_it_stores_the_chunks_with_the_hash(alice):
    [photo] = _rows(alice, ["0123456789abcdef"], "one")
    _store_all([photo], ["0123456789abcdef"])
    row = Photo.objects.values("phash", "phash_0", "phash_1", "phash_2", "phash_3").get()
    assert row == {
        "phash": "0123456789abcdef",
        "phash_0": 0x0123,
        "phash_1": 0x4567,
        "phash_2": 0x89AB,
        "phash_3": 0xCDEF,
    }


@pytest.mark.django_db
def test_it_gives_the_brute_force_groups_on_synthetic_hashes(alice, bob, monkeypatch):
    rng = random.Random(1616)
    hashes = _synthetic_hashes(rng, seeds=12)
    rng.shuffle(hashes)
    groups = _compare_with_brute_force(alice, bob, hashes, monkeypatch)
    # The data makes groups, and some photos stay alone: the comparison means something.
    assert len(groups) >= 12
    assert sum(len(g) for g in groups) < len(hashes)


@pytest.mark.django_db
def test_it_gives_the_brute_force_groups_on_the_shared_photos(alice, bob, photos_dir, monkeypatch):
    hashes = []
    for path in sorted(photos_dir.rglob("*.jpg")):
        with path.open("rb") as fh:
            media = load_image(fh)
        hashes.append(duplicates.compute(None, media).data)
        # A smaller re-saved copy of every third photo: a near-duplicate to find.
        if len(hashes) % 3 == 1:
            out = io.BytesIO()
            image = media.frames[0].image
            image.resize((image.width // 2, image.height // 2)).save(out, "JPEG", quality=60)
            out.seek(0)
            hashes.append(duplicates.compute(None, load_image(out)).data)
    assert len(hashes) >= 30
    groups = _compare_with_brute_force(alice, bob, hashes, monkeypatch)
    assert len(groups) >= 5


@pytest.mark.django_db
def test_it_reads_the_same_rows_whatever_the_size_of_the_library(alice):
    rng = random.Random(7)
    seed = rng.getrandbits(64)
    near = [_hex(seed), _hex(_flip(seed, [3, 20, 40]))]
    near_photos = _rows(alice, near, "near")
    _store_all(near_photos, near)
    query = _hex(_flip(seed, [9]))
    small = duplicates.candidates(alice.pk, query)
    assert [pk for pk, _, _ in small] == sorted(p.pk for p in near_photos)

    far = [_hex(rng.getrandbits(64)) for _ in range(3000)]
    Photo.objects.bulk_update(
        [
            Photo(pk=p.pk, phash=v, **duplicates.hash_columns(v))
            for p, v in zip(_rows(alice, far, "far"), far, strict=True)
        ],
        ["phash", "phash_0", "phash_1", "phash_2", "phash_3"],
        batch_size=500,
    )
    with CaptureQueriesContext(connection) as queries:
        large = duplicates.candidates(alice.pk, query)
    assert len(queries) == 1
    # 3,000 random hashes add almost no candidate (a chunk matches 17 values in 65,536).
    assert len(large) - len(small) <= 5
    if connection.vendor == "sqlite":
        plan = duplicates.candidate_rows(alice.pk, query).explain()
        assert all(f"photo_owner_phash_{i}" in plan for i in range(4)), plan

"""Benchmark of people grouping at 20,000 faces (synthetic embeddings; results in the
`faces` section of RESULTS-analysis.md).

- Full re-clustering: `people.cluster_user` over 20,000 faces that belong to nobody
  (read embeddings, DBSCAN on cosine distance, create people, centroids and covers).
- Incremental assignment: `people.assign_new_faces` of one new face (and of a batch of 100)
  against the people that clustering made.

Usage: env $(TEST_ENV) .venv/bin/python bench/faces.py [--faces 20000] [--people 400] [--dim 512]
"""

import argparse
import hashlib
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from analysis import RESULTS, machine, make_user, setup


def identities(people: int, dim: int, rng) -> np.ndarray:
    anchors = rng.normal(size=(people, dim)).astype(np.float32)
    return anchors / np.linalg.norm(anchors, axis=1, keepdims=True)


def synthetic(anchors: np.ndarray, faces: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Each face is its identity's anchor plus noise, so that faces of one person sit at a
    cosine distance of about 0.1-0.3 (the shared pack measures 0.02-0.39 on real photos)
    and different people near 1.0."""
    people, dim = anchors.shape
    labels = rng.integers(0, people, size=faces)
    noise = rng.normal(scale=0.55 / np.sqrt(dim), size=(faces, dim)).astype(np.float32)
    vectors = anchors[labels] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, labels


def insert_faces(user, vectors: np.ndarray, pack: str, start: int = 0) -> list:
    from photos.models import Face, Photo

    photos = []
    for i in range(0, len(vectors), 10):  # ten faces per photo
        sha = hashlib.sha256(f"faces-bench-{start + i}".encode()).hexdigest()
        photos.append(
            Photo(
                owner=user,
                sha256=sha,
                original=f"u{user.pk}/originals/{sha}.jpg",
                extension="jpg",
                content_type="image/jpeg",
                file_size=1,
                taken_at=datetime(2026, 1, 1, tzinfo=UTC),
                taken_at_source="upload",
                analysis_status="done",
            )
        )
    Photo.objects.bulk_create(photos, batch_size=1000)
    faces = [
        Face(
            owner=user,
            photo=photos[i // 10],
            x1=10.0 * (i % 10),
            y1=0,
            x2=10.0 * (i % 10) + 60,
            y2=60,
            landmarks=[],
            det_score=0.9,
            embedding=vector.tobytes(),
            pack=pack,
            dim=len(vector),
        )
        for i, vector in enumerate(vectors)
    ]
    return Face.objects.bulk_create(faces, batch_size=1000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--faces", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--dim", type=int, default=512)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-faces-"))
    setup(workdir)
    from django.conf import settings

    from photos import people
    from photos.lib import faces as face_maths
    from photos.models import Face, Person

    rng = np.random.default_rng(42)
    user = make_user()
    pack = f"synthetic@{args.dim}"
    anchors = identities(args.people, args.dim, rng)
    vectors, truth = synthetic(anchors, args.faces, rng)
    insert_faces(user, vectors, pack)

    start = time.perf_counter()
    labels = face_maths.cluster(vectors, settings.FACE_CLUSTER_EPS, settings.PERSON_MIN_FACES)
    dbscan_s = time.perf_counter() - start

    start = time.perf_counter()
    result = people.cluster_user(user)
    cluster_s = time.perf_counter() - start

    assigned = dict(Face.objects.filter(owner=user).values_list("pk", "person_id"))
    ordered = [assigned[f.pk] for f in Face.objects.filter(owner=user).order_by("pk")]
    sample = rng.choice(len(ordered), size=min(3000, len(ordered)), replace=False)
    precision, recall = face_maths.pairwise_precision_recall(
        [int(truth[i]) for i in sample], [ordered[i] for i in sample]
    )

    # Every person has a birthday (long ago), so that assignment runs its birthday check
    # too: the worst case of the rules (cannot-link, "not this person", birthday).
    Person.objects.filter(owner=user).update(birthday=date(1900, 1, 1))
    # Incremental: one new face at a time, then a batch of a hundred.
    singles, single_joined = [], 0
    for i in range(20):
        vector, _ = synthetic(anchors, 1, np.random.default_rng(1000 + i))
        (face,) = insert_faces(user, vector, pack, start=args.faces + 10 * i)
        begin = time.perf_counter()
        single_joined += people.assign_new_faces(user.pk, pack, [face])
        singles.append((time.perf_counter() - begin) * 1000)
    batch_vectors, _ = synthetic(anchors, 100, np.random.default_rng(7))
    batch = insert_faces(user, batch_vectors, pack, start=args.faces + 1000)
    begin = time.perf_counter()
    joined = people.assign_new_faces(user.pk, pack, batch)
    batch_ms = (time.perf_counter() - begin) * 1000
    pairs = Counter(
        Face.objects.filter(owner=user)
        .exclude(person=None)
        .values_list("person_id", "photo_id", "frame_time")
    )
    doubles = sum(1 for n in pairs.values() if n > 1)

    body = "\n".join(
        [
            "<!-- faces -->",
            "## 4. People at 20,000 faces (`bench/faces.py`)",
            "",
            f"Written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Machine: {machine()}.",
            f"{args.faces:,} synthetic {args.dim}-d embeddings (buffalo_l's size) of "
            f"{args.people} identities, stored as Face rows of one user; "
            f"FACE_CLUSTER_EPS={settings.FACE_CLUSTER_EPS}, "
            f"FACE_MATCH_DISTANCE={settings.FACE_MATCH_DISTANCE}, "
            f"PERSON_MIN_FACES={settings.PERSON_MIN_FACES}.",
            "",
            "| measure | time |",
            "|---|---:|",
            f"| full re-clustering, `cluster_user` (read, DBSCAN, create "
            f"{result['people']} people, centroids, covers) | **{cluster_s:.1f} s** |",
            f"| DBSCAN alone on the same embeddings (float32 neighbour graph, "
            f"{len(set(labels)) - (-1 in labels)} clusters) | {dbscan_s:.1f} s |",
            f"| incremental assignment of one new face (median of 20; {single_joined} of 20 "
            f"joined their person) | "
            f"**{statistics.median(singles):.0f} ms** |",
            f"| incremental assignment of a batch of 100 faces ({joined} joined) | "
            f"{batch_ms:.0f} ms |",
            "",
            f"Pairwise precision {precision:.3f} and recall {recall:.3f} against the "
            f"synthetic identities (3,000 sampled faces). People in the database: "
            f"{Person.objects.filter(owner=user).count()}. Ten faces per photo with random "
            f"identities, so some photos show one identity twice: the cannot-link rule keeps "
            f"the second face off (people holding two faces of one photo: {doubles}). "
            "Assignment includes the cannot-link, rejection and birthday checks (every person "
            "has a birthday here).",
            "<!-- /faces -->",
            "",
        ]
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Analysis benchmarks\n"
    if "<!-- faces -->" in text:
        text = text[: text.index("<!-- faces -->")]
    RESULTS.write_text(text.rstrip() + "\n\n" + body)
    print(body)


if __name__ == "__main__":
    main()

"""Face quality measures and the cannot-link grouping: pure code, no database."""

import numpy as np

from photos.lib import face_quality
from photos.lib import faces as face_maths

LIMITS = face_quality.Thresholds(
    min_size=50, min_score=0.7, max_yaw=0.5, min_sharpness=40, min_norm=12
)
FRONTAL = [[30, 40], [70, 40], [50, 60], [35, 80], [65, 80]]


def reasons(**overrides):
    measures = {"box": [0, 0, 100, 100], "score": 0.9, "landmarks": FRONTAL}
    measures |= {"sharp": 200.0, "norm": 16.0}
    measures.update(overrides)
    return face_quality.unclear_reasons(limits=LIMITS, **measures)


def test_it_finds_a_clear_face_clear_and_says_why_others_are_not():
    assert reasons() == []
    assert reasons(box=[0, 0, 30, 100]) == ["small"]
    assert reasons(score=0.6) == ["uncertain"]
    profile = [[30, 40], [50, 40], [75, 60], [35, 80], [65, 80]]
    assert reasons(landmarks=profile) == ["profile"]
    assert reasons(sharp=5.0) == ["blurred"]
    assert reasons(norm=8.0) == ["weak embedding"]
    assert reasons(sharp=None, norm=None) == []  # not measured: not held against it


def test_yaw_is_zero_for_a_frontal_face_and_grows_when_turned():
    assert face_quality.yaw(FRONTAL) == 0
    turned = [[30, 40], [70, 40], [66, 60], [35, 80], [65, 80]]
    assert abs(face_quality.yaw(turned) - 0.4) < 1e-6


def test_sharpness_is_low_for_a_flat_crop_and_high_for_detail():
    rng = np.random.default_rng(1)
    assert face_quality.sharpness(np.full((112, 112), 128)) == 0
    assert face_quality.sharpness(rng.integers(0, 255, size=(112, 112, 3))) > 1000


def _faces(anchor_count, per_anchor, rng, dim=64):
    anchors = face_maths.normalise(rng.normal(size=(anchor_count, dim)))
    vectors = np.repeat(anchors, per_anchor, axis=0)
    return face_maths.normalise(vectors + rng.normal(scale=0.02, size=vectors.shape))


def test_a_crowd_in_one_photo_makes_nobody():
    rng = np.random.default_rng(2)
    vectors = _faces(1, 6, rng)  # six look-alikes, all in photo 1
    keys = [(1, None)] * 6
    labels = face_maths.cluster_constrained(vectors, 0.5, 3, keys, [1] * 6)
    assert (labels == -1).all()
    assert (face_maths.cluster(vectors, 0.5, 3) == 0).all()  # plain DBSCAN: one person


def test_two_look_alikes_in_every_photo_become_two_people():
    """Twins photographed together three times: never one person of both."""
    rng = np.random.default_rng(3)
    vectors = _faces(1, 6, rng)
    keys = [(i // 2, None) for i in range(6)]  # photos 0, 0, 1, 1, 2, 2
    labels = face_maths.cluster_constrained(vectors, 0.5, 3, keys, [k[0] for k in keys])
    assert len(set(labels)) == 2 and -1 not in labels
    for photo in range(3):
        assert labels[2 * photo] != labels[2 * photo + 1]


def test_one_person_in_many_photos_stays_one_group():
    rng = np.random.default_rng(4)
    vectors = _faces(2, 4, rng)
    keys = [(i, None) for i in range(8)]
    labels = face_maths.cluster_constrained(vectors, 0.5, 3, keys, list(range(8)))
    assert len(set(labels[:4])) == 1 and len(set(labels[4:])) == 1 and labels[0] != labels[4]


def test_iou():
    assert face_maths.iou([0, 0, 10, 10], [0, 0, 10, 10]) == 1
    assert face_maths.iou([0, 0, 10, 10], [5, 0, 15, 10]) == 50 / 150
    assert face_maths.iou([0, 0, 10, 10], [20, 20, 30, 30]) == 0

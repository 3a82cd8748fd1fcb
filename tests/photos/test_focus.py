"""Face-aware crops (photos/lib/focus.py), without a database."""

import pytest

from photos.lib.focus import CENTRE, crop_box, object_position


def inside(box, crop) -> bool:
    return crop[0] <= box[0] and crop[1] <= box[1] and box[2] <= crop[2] and box[3] <= crop[3]


def test_it_keeps_a_face_at_the_edge_of_a_wide_photo_whole():
    face = (1700, 300, 1950, 600)  # near the right edge of a 2000 x 1000 photo
    position = object_position(2000, 1000, [face])
    assert position != CENTRE  # the centre crop (500..1500) would cut it off
    assert inside(face, crop_box(2000, 1000, position))


def test_it_keeps_a_face_at_the_top_of_a_tall_photo_whole():
    face = (300, 40, 600, 350)
    position = object_position(1000, 3000, [face])
    assert inside(face, crop_box(1000, 3000, position))
    assert crop_box(1000, 3000, position)[1] == 0  # as high as the photo goes


def test_it_holds_every_face_when_they_fit():
    faces = [(100, 100, 300, 400), (700, 150, 900, 450)]
    position = object_position(3000, 1000, faces)
    crop = crop_box(3000, 1000, position)
    assert all(inside(f, crop) for f in faces)


def test_it_holds_the_largest_face_when_all_cannot_fit():
    small, big = (50, 100, 150, 200), (2400, 100, 2900, 700)
    position = object_position(3000, 1000, [small, big])
    assert inside(big, crop_box(3000, 1000, position))


@pytest.mark.parametrize("aspect", [1.0, 4 / 3])
def test_it_works_for_cards_too(aspect):
    face = (10, 10, 200, 300)
    position = object_position(4000, 1000, [face], aspect=aspect)
    assert inside(face, crop_box(4000, 1000, position, aspect=aspect))


@pytest.mark.parametrize(
    "args", [(0, 100, [(1, 1, 2, 2)]), (100, 100, []), (100, 100, [(5, 5, 5, 5)]), (None, 1, [])]
)
def test_it_centres_without_faces_or_sizes(args):
    assert object_position(*args) == CENTRE

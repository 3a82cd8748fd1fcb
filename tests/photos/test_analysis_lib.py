"""The pure code the analysis uses (photos/lib: decode, crops, themes), without a database."""

import io

import numpy as np
from PIL import Image

from photos.lib import crops, decode, themes
from photos.lib import faces as face_maths


def jpeg(width, height, color=(200, 120, 40)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG")
    out.seek(0)
    return out


def test_a_large_image_is_decoded_reduced_with_its_original_size_kept():
    media = decode.load_image(jpeg(4100, 1000))
    (frame,) = media.frames
    assert (media.width, media.height) == (4100, 1000)
    assert max(frame.image.size) <= decode.ANALYSIS_MAX_SIDE
    assert abs(frame.scale * frame.image.size[0] - 4100) < 1e-6
    assert frame.rgb.shape == (frame.image.size[1], frame.image.size[0], 3)


def test_a_small_image_is_not_enlarged():
    media = decode.load_image(jpeg(300, 200))
    assert media.frames[0].image.size == (300, 200) and media.frames[0].scale == 1


def test_iou_of_boxes():
    assert face_maths.iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1
    assert face_maths.iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0
    assert abs(face_maths.iou((0, 0, 10, 10), (5, 0, 15, 10)) - 50 / 150) < 1e-9


def test_a_crop_is_a_small_jpeg_of_the_box_in_original_pixels():
    image = Image.new("RGB", (1000, 500), (0, 0, 0))
    image.paste((255, 255, 255), (500, 0, 1000, 500))  # right half white
    frame = decode.Frame(image, scale=2.0)  # the original is 2000 x 1000
    data = crops.crop_jpeg(frame, (1200, 200, 1600, 600))  # in the white half
    with Image.open(io.BytesIO(data)) as crop:
        assert crop.format == "JPEG" and max(crop.size) <= crops.FACE_CROP_SIZE
        assert np.asarray(crop.convert("L")).mean() > 240


def test_a_crop_name_is_the_same_for_the_same_bytes_and_differs_otherwise():
    name = crops.crop_filename("ab" * 32, "0123456789", (10.4, 20.6, 30, 40), None, b"one")
    assert name == crops.crop_filename("ab" * 32, "0123456789", (10.4, 20.6, 30, 40), None, b"one")
    assert name.startswith("abababababababab-01234567-10-21-0-") and name.endswith(".jpg")
    assert name != crops.crop_filename("ab" * 32, "0123456789", (10.4, 20.6, 30, 40), None, b"two")
    video = crops.crop_filename("ab" * 32, "0123456789", (10, 20, 30, 40), 1.5, b"one")
    assert "-1.5-" in video


def test_screenshots_are_camera_less_pngs_at_a_screen_size():
    assert themes.is_screenshot("png", "", 1170, 2532)
    assert themes.is_screenshot("PNG", "", 2532, 1170)
    assert not themes.is_screenshot("jpg", "", 1170, 2532)
    assert not themes.is_screenshot("png", "Apple", 1170, 2532)
    assert not themes.is_screenshot("png", "", 1170, 1170)  # square: not a screen


def test_themes_add_up_their_classes_probabilities():
    min_score, table = themes.theme_table(("pizza", "cheeseburger", "seashore"))
    food = [theme for theme, classes in table.items() if {0, 1} <= set(classes.tolist())]
    assert food, "themes.json maps pizza and cheeseburger to a theme"
    probabilities = np.array([min_score / 2 + 0.01, min_score / 2 + 0.01, 0.0])
    assert food[0] in themes.themes_for(["pizza", "cheeseburger", "seashore"], probabilities)
    assert themes.themes_for(["pizza", "cheeseburger", "seashore"], np.zeros(3)) == {}

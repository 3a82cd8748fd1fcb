"""EXIF parsing without a database: real photos with EXIF written by the factories."""

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image

from photos.lib import exif
from tests.factories import exif_bytes, garbage_exif_jpeg, jpeg_with_exif


def read_bytes(data: bytes) -> exif.Metadata:
    with Image.open(io.BytesIO(data)) as im:
        return exif.read(im.getexif())


def test_it_reads_time_zone_gps_camera_and_orientation(photos_dir):
    data = jpeg_with_exif(
        photos_dir / "scenes/ibm_paris.jpg",
        taken_at=datetime(2024, 5, 1, 13, 45, 10),
        offset="+02:00",
        gps=(48.858370, 2.294481),
        altitude=35.5,
        orientation=6,
        make="Google",
        model="Pixel 8",
    )
    meta = read_bytes(data)
    assert meta.taken_at == datetime(2024, 5, 1, 11, 45, 10, tzinfo=UTC)
    assert meta.taken_at.utcoffset() == timedelta(hours=2)
    assert meta.offset_minutes == 120
    assert meta.latitude == pytest.approx(48.858370, abs=1e-5)
    assert meta.longitude == pytest.approx(2.294481, abs=1e-5)
    assert meta.altitude == pytest.approx(35.5)
    assert (meta.make, meta.model, meta.orientation) == ("Google", "Pixel 8", 6)


def test_it_reads_southern_and_western_positions(photos_dir):
    data = jpeg_with_exif(photos_dir / "scenes/ibm_city.jpg", gps=(-33.8568, -70.6693))
    meta = read_bytes(data)
    assert meta.latitude == pytest.approx(-33.8568, abs=1e-5)
    assert meta.longitude == pytest.approx(-70.6693, abs=1e-5)


def test_it_keeps_a_time_without_offset_naive(photos_dir):
    data = jpeg_with_exif(
        photos_dir / "scenes/ibm_city.jpg", taken_at=datetime(2023, 1, 2, 3, 4, 5)
    )
    meta = read_bytes(data)
    assert meta.taken_at == datetime(2023, 1, 2, 3, 4, 5)
    assert meta.taken_at.tzinfo is None
    assert meta.offset_minutes is None


def test_it_drops_garbage_fields_and_keeps_the_good_ones(photos_dir):
    meta = read_bytes(garbage_exif_jpeg(photos_dir / "scenes/ibm_city.jpg"))
    assert meta.taken_at is None
    assert meta.offset_minutes is None
    assert meta.latitude is None and meta.longitude is None
    assert meta.orientation == 1
    assert meta.make == "Garbage Cam"


def test_it_reads_the_real_orientation_of_dragonfly_beach(photos_dir):
    with Image.open(photos_dir / "scenes/dragonfly_beach.jpg") as im:
        meta = exif.read(im.getexif())
        assert meta.orientation == 6
        assert exif.upright_size(*im.size, meta.orientation) == (im.size[1], im.size[0])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024:05:01 13:45:10", datetime(2024, 5, 1, 13, 45, 10)),
        ("2024-05-01 13:45:10", datetime(2024, 5, 1, 13, 45, 10)),
        ("2024:05:01 13:45:10\x00", datetime(2024, 5, 1, 13, 45, 10)),
        (
            "2024:05:01 13:45:10+05:30",
            datetime(2024, 5, 1, 13, 45, 10, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("0000:00:00 00:00:00", None),
        ("2024:13:45 10:00:00", None),
        ("    :  :     :  :  ", None),
        ("1700:01:01 00:00:00", None),
        ("2999:01:01 00:00:00", None),
        (b"\xff\xfe garbage", None),
        (12345, None),
        (None, None),
    ],
)
def test_it_parses_exif_dates_strictly(value, expected):
    assert exif.parse_datetime(value)[0] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("+02:00", 120), ("-05:30", -330), ("+0000", 0), ("Z", 0), ("+15:00", None),
     ("+02:75", None), ("garbage", None), (None, None)],
)  # fmt: skip
def test_it_parses_offsets(value, expected):
    assert exif.parse_offset(value) == expected


def test_it_treats_zero_zero_as_no_position():
    assert exif.parse_gps({1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)}) == (
        None,
        None,
        None,
    )


def test_it_drops_an_absurd_altitude_but_keeps_the_position():
    lat, lon, alt = exif.parse_gps(
        {1: "N", 2: (10.0, 0.0, 0.0), 3: "W", 4: (20.0, 30.0, 0.0), 5: b"\x00", 6: 90000.0}
    )
    assert (lat, lon, alt) == (10.0, -20.5, None)


def test_it_reads_nothing_from_an_image_without_exif(photos_dir):
    with Image.open(photos_dir / "people/lin_manuel_miranda/lin_1.png") as im:
        assert exif.read(im.getexif()) == exif.Metadata()


def test_it_handles_empty_exif():
    assert exif.read(Image.Exif()) == exif.Metadata()
    assert exif.read(None) == exif.Metadata()
    assert exif_bytes()  # the factory writes a valid empty EXIF block

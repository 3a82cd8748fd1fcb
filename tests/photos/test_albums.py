"""User albums: the service verbs, owner-only."""

import pytest

from photos import albums
from photos.models import Album, Photo
from tests.factories import make_photo


@pytest.fixture
def two_photos(alice, photos_dir):
    return [
        make_photo(alice, photos_dir / "scenes/ibm_dog.jpg"),
        make_photo(alice, photos_dir / "scenes/ibm_city.jpg"),
    ]


def test_it_creates_an_album_with_the_owners_photos_only(alice, bob, photos_dir, two_photos):
    foreign = make_photo(bob, photos_dir / "scenes/ibm_paris.jpg")
    album = albums.create_album(
        alice, "  Summer   2026 ", [p.pk for p in two_photos] + [foreign.pk]
    )
    assert album.title == "Summer 2026"
    assert set(album.photos.values_list("pk", flat=True)) == {p.pk for p in two_photos}


@pytest.mark.parametrize("title", ["", "   ", None, 42, "x" * 201])
def test_it_refuses_a_bad_title(alice, title):
    with pytest.raises(albums.AlbumError) as caught:
        albums.create_album(alice, title)
    assert caught.value.code == "invalid_title"
    assert not Album.objects.exists()


def test_it_adds_once_and_removes_keeping_the_photos(alice, two_photos):
    album = albums.create_album(alice, "A")
    assert albums.add_photos(album, [two_photos[0].pk]) == 1
    assert albums.add_photos(album, [p.pk for p in two_photos]) == 1
    albums.set_cover(album, two_photos[0].pk)
    assert albums.remove_photos(album, [two_photos[0].pk]) == 1
    album.refresh_from_db()
    assert album.cover_id is None
    assert list(album.photos.all()) == [two_photos[1]]
    assert Photo.objects.filter(pk=two_photos[0].pk).exists()


def test_it_takes_only_a_photo_of_the_album_as_cover(alice, two_photos):
    album = albums.create_album(alice, "A", [two_photos[0].pk])
    with pytest.raises(albums.AlbumError):
        albums.set_cover(album, two_photos[1].pk)
    albums.set_cover(album, two_photos[0].pk)
    assert albums.cover_photo(album) == two_photos[0]


def test_it_deletes_the_album_and_not_its_photos(alice, two_photos):
    album = albums.create_album(alice, "A", [p.pk for p in two_photos])
    assert albums.deletion_preview(album) == {
        "albums": 1,
        "photos_in_album": 2,
        "photos_deleted": 0,
    }
    albums.delete_album(album)
    assert not Album.objects.exists()
    assert Photo.objects.filter(owner=alice).count() == 2

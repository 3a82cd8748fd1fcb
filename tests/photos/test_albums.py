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


# --- Pages and API ---------------------------------------------------------------------


def test_it_adds_the_selection_to_an_album_and_shows_it(alice, alice_client, two_photos):
    album = albums.create_album(alice, "Trip")
    response = alice_client.post(
        f"/library/albums/{album.pk}/add/", {"ids": [p.pk for p in two_photos]}
    )
    assert response.status_code == 302
    page = alice_client.get(f"/library/albums/{album.pk}/").content.decode()
    assert "Trip" in page
    assert all(f"/library/photo/{p.pk}/" in page for p in two_photos)
    listing = alice_client.get("/library/albums/").content.decode()
    assert "2 photos" in listing


def test_it_answers_the_viewer_in_json(alice, alice_client, two_photos):
    album = albums.create_album(alice, "Trip")
    response = alice_client.post(
        f"/library/albums/{album.pk}/add/",
        {"ids": [two_photos[0].pk]},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"id": album.pk, "title": "Trip", "added": 1}


def test_it_shows_the_counts_before_deleting_an_album(alice, alice_client, two_photos):
    album = albums.create_album(alice, "Trip", [p.pk for p in two_photos])
    page = alice_client.get(f"/library/albums/{album.pk}/delete/").content.decode()
    assert "Its 2 photos stay in your library" in page
    assert Album.objects.filter(pk=album.pk).exists()
    alice_client.post(f"/library/albums/{album.pk}/delete/")
    assert not Album.objects.filter(pk=album.pk).exists()


def test_it_keeps_albums_to_their_owner(alice, bob, client, two_photos):
    album = albums.create_album(alice, "Mine", [two_photos[0].pk])
    client.force_login(bob)
    assert client.get(f"/library/albums/{album.pk}/").status_code == 404
    assert client.post(f"/library/albums/{album.pk}/delete/").status_code == 404
    assert "Mine" not in client.get("/library/albums/").content.decode()


def test_it_offers_the_albums_in_the_api(alice, api_client_for, two_photos):
    api = api_client_for(alice)
    created = api.post("/api/v1/albums/", {"title": "Sea"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    added = api.post(
        f"/api/v1/albums/{pk}/add/", {"photo_ids": [p.pk for p in two_photos]}, format="json"
    )
    assert added.json() == {"changed": 2, "photo_count": 2}, added.content
    cover = api.patch(f"/api/v1/albums/{pk}/", {"cover": two_photos[1].pk}, format="json")
    assert cover.json()["cover"] == two_photos[1].pk
    assert api.get(f"/api/v1/albums/{pk}/deletion/").json()["photos_in_album"] == 2
    assert api.delete(f"/api/v1/albums/{pk}/").json()["photos_deleted"] == 0
    assert Photo.objects.filter(owner=alice).count() == 2


@pytest.mark.parametrize(
    "body", [{"title": ""}, {"title": 5}, {}, [], {"title": "x", "photo_ids": ["a"]}]
)
def test_it_refuses_bad_album_bodies_with_400(alice, api_client_for, body):
    response = api_client_for(alice).post("/api/v1/albums/", body, format="json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_it_anchors_album_tiles_on_the_faces(alice, alice_client, photos_dir):
    from photos.models import Face

    photo = make_photo(alice, photos_dir / "scenes/ibm_paris.jpg")
    photo.width, photo.height = 2000, 1000
    photo.thumbnail.name = "u1/thumb.webp"  # shown only with a thumbnail; never fetched here
    photo.save(update_fields=["width", "height", "thumbnail"])
    Face.objects.create(
        owner=alice, photo=photo, x1=1700, y1=300, x2=1950, y2=600, det_score=0.9,
        embedding=b"", pack="p", dim=0,
    )  # fmt: skip
    album = albums.create_album(alice, "Faces", [photo.pk])
    page = alice_client.get(f"/library/albums/{album.pk}/").content.decode()
    assert 'data-focus="100.0% 50%"' in page
    assert 'data-focus="100.0% 50%"' in alice_client.get("/library/albums/").content.decode()

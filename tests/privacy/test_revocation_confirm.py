"""Stop-all and revoking face analysis delete people, names and suggestions: the page and the
API show first, with counts, what goes and what stays."""

import pytest
from django.urls import reverse

from photos.models import Face, Person
from privacy import consent
from privacy.models import Scope
from suggestions import services as suggestion_services
from suggestions.models import Album, Suggestion
from tests.privacy.test_deletion import counts_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(alice, bob, grant, make_analysed):
    """Alice: 3 photos with 3 faces of one person, a face-based suggestion saved as an
    album with its title, and a trip suggestion not saved. Bob: his own."""
    grant(alice, "cloud_processing", "face_analysis")
    grant(bob, "cloud_processing", "face_analysis")
    photos = make_analysed(alice, 3)
    make_analysed(bob, 2)
    Album.objects.filter(owner=alice).update(title="Beach days")  # the suggestion's title
    Suggestion.objects.create(owner=alice, kind="trip", key="t1", title="Lyon")
    return photos


def state_of(user):
    return (
        Face.objects.filter(owner=user).count(),
        Person.objects.filter(owner=user).count(),
        Suggestion.objects.filter(owner=user).count(),
        sorted(consent.states(user)[s].granted for s in Scope.values),
    )


def test_it_shows_what_revoking_face_analysis_deletes_before_doing_it(
    alice_client, alice, analysed
):
    url = reverse("privacy:scope", args=["face_analysis"])
    before = state_of(alice)
    shown = alice_client.post(url, {"action": "revoke"})
    assert shown.status_code == 200
    assert state_of(alice) == before  # nothing happened yet
    deleted = counts_table(shown, "deleted")
    assert deleted["Faces"] == 3 and deleted["Face embeddings"] == 3
    assert deleted["People"] == 1
    assert deleted["Suggestions"] == 1  # the face-based one; the trip stays
    assert deleted["Saved albums named after a person (renamed to their dates)"] == 1
    kept = counts_table(shown, "kept")
    assert kept["Photos kept"] == 3 and kept["Albums kept"] == 1 and kept["Tags kept"] == 3

    # Without the box ticked: still nothing.
    again = alice_client.post(url, {"action": "revoke", "confirm": "no"})
    assert again.status_code == 400 and state_of(alice) == before

    done = alice_client.post(url, {"action": "revoke", "confirm": "yes"})
    assert done.status_code == 302
    assert not consent.allows(alice, "face_analysis")
    assert state_of(alice)[:3] == (0, 0, 1)


def test_a_revocation_that_deletes_nothing_needs_no_confirmation(alice_client, alice, grant):
    grant(alice, "face_analysis")
    response = alice_client.post(
        reverse("privacy:scope", args=["face_analysis"]), {"action": "revoke"}
    )
    assert response.status_code == 302
    assert not consent.allows(alice, "face_analysis")


def test_stop_all_shows_what_it_deletes_and_what_stays_first(alice_client, alice, analysed):
    url = reverse("privacy:stop-all")
    before = state_of(alice)
    for shown in (alice_client.get(url), alice_client.post(url)):
        assert shown.status_code == 200
        assert state_of(alice) == before
        deleted = counts_table(shown, "deleted")
        # Both suggestions: the face-based one and the unsaved trip (cloud processing).
        assert deleted["Suggestions"] == 2 and deleted["People"] == 1
        assert counts_table(shown, "kept")["Photos kept"] == 3
        assert b"Face analysis" in shown.content

    done = alice_client.post(url, {"confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == reverse("privacy:retention")
    assert state_of(alice)[:3] == (0, 0, 0)
    assert not any(consent.states(alice)[s].granted for s in Scope.values)


def test_the_api_previews_the_same_counts_before_the_post(alice, bob, analysed, api_client_for):
    api = api_client_for(alice)
    before = state_of(alice)
    face = api.get("/api/v1/privacy/revocation/face_analysis/")
    assert face.status_code == 200
    body = face.json()
    assert body["scopes"] == ["face_analysis"]
    assert body["deleted"] == {
        "faces": 3,
        "embeddings": 3,
        "people": 1,
        "suggestions": 1,
        "albums_renamed": 1,
        "exports": 0,
    }
    assert body["kept"] == {"photos_kept": 3, "tags_kept": 3, "albums_kept": 1}

    stop = api.get("/api/v1/privacy/stop-processing/")
    assert stop.status_code == 200
    assert stop.json()["scopes"] == ["cloud_processing", "face_analysis"]
    assert stop.json()["deleted"]["suggestions"] == 2
    assert state_of(alice) == before  # a GET changes nothing

    assert api.post("/api/v1/privacy/stop-processing/").status_code == 200
    assert state_of(alice)[:3] == (0, 0, 0)
    assert Face.objects.filter(owner=bob).count() == 2


def test_the_preview_api_refuses_unknown_and_ungranted_scopes(alice, api_client_for):
    api = api_client_for(alice)
    unknown = api.get("/api/v1/privacy/revocation/everything/")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_scope"
    ungranted = api.get("/api/v1/privacy/revocation/face_analysis/")
    assert ungranted.status_code == 400 and ungranted.json()["code"] == "not_granted"


def test_an_album_renamed_by_the_user_is_not_counted_as_renamed(alice, analysed):
    from privacy import services

    Album.objects.filter(owner=alice).update(title="Summer")
    preview = services.revocation_preview(alice, ["face_analysis"])
    assert preview["deleted"]["albums_renamed"] == 0
    assert suggestion_services.unname_albums(alice) == 0

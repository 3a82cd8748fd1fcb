"""Issue 21: people verbs raced for real (two requests in two threads, each on its own
database connection). The loser of a race gets a clear 4xx with a message, never a 500,
and no half-made row (a merge record with no faces, an empty person) is left behind.

PostgreSQL only: SQLite's test database is in memory with a shared cache, where a second
writer gets "database table is locked" at once instead of waiting, so the race cannot be
run there (and on a file database BEGIN IMMEDIATE makes every writer wait its turn anyway).
The same outcomes for a loser that comes second are checked on both databases, without
threads, by handing the verbs objects that went stale (tests/photos/test_people_trust.py).
"""

import time

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from photos import people
from photos.models import Face, Person, PersonMerge
from tests.photos import test_people as base
from tests.races import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Concurrent writers: on PostgreSQL, or on the SQLite file make test gives race tests
    # (its in-memory test database refuses a second writer at once).
    pytest.mark.race,
]
album = base.album  # the fixture: ann and ben, three photos each


@pytest.fixture
def slow_refresh(monkeypatch):
    """Hold each verb inside its transaction a little, after its first writes, so that the
    two racing calls overlap whatever the machine's speed."""
    real = people.refresh

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(people, "refresh", slow)


def api(token):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def statuses(responses):
    return sorted(r.status_code for r in responses)


def test_it_merges_two_people_into_each_other_once(alice, api_token_for, album, slow_refresh):
    ann, ben = album["ann"], album["ben"]
    token = api_token_for(alice)
    responses = at_once(
        lambda: api(token).post(f"/api/v1/people/{ann.pk}/merge/", {"into": ben.pk}, "json"),
        lambda: api(token).post(f"/api/v1/people/{ben.pk}/merge/", {"into": ann.pk}, "json"),
    )
    assert statuses(responses) == [200, 404], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 404)
    assert loser.json()["code"] == "gone" and "merged or forgotten" in loser.json()["detail"]
    kept = Person.objects.get(owner=alice)
    assert Face.objects.filter(person=kept).count() == 6
    record = PersonMerge.objects.get(owner=alice)
    assert len(record.face_ids) == 3

    undone = people.undo_merge(record)
    assert undone.face_count == 3 and Person.objects.filter(owner=alice).count() == 2


def test_the_merge_pages_answer_the_loser_with_a_404(alice, album, slow_refresh):
    ann, ben = album["ann"], album["ben"]

    # Signed in before the race: a log-in writes the user's row, which the merge holds.
    clients = [Client(raise_request_exception=False) for _ in range(2)]
    for client in clients:
        client.force_login(alice)

    def page(client, source, into):
        return client.post(reverse("photos:person-merge", args=[source.pk]), {"into": into.pk})

    responses = at_once(lambda: page(clients[0], ann, ben), lambda: page(clients[1], ben, ann))
    assert statuses(responses) == [302, 404], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 404)
    assert "merged or forgotten" in loser.content.decode()
    assert Person.objects.filter(owner=alice).count() == 1
    assert len(PersonMerge.objects.get(owner=alice).face_ids) == 3


def test_one_merge_undone_twice_at_once_is_undone_once(alice, api_token_for, album, slow_refresh):
    ann, ben = album["ann"], album["ben"]
    people.merge(ben, ann)
    record = PersonMerge.objects.get(owner=alice)
    token = api_token_for(alice)
    url = f"/api/v1/people/{ann.pk}/undo-merge/"
    responses = at_once(
        lambda: api(token).post(url, {"merge": record.pk}, "json"),
        lambda: api(token).post(url, {"merge": record.pk}, "json"),
    )
    assert statuses(responses) == [200, 409], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] == "already_undone"
    assert Person.objects.filter(owner=alice).count() == 2
    assert sorted(Person.objects.values_list("face_count", flat=True)) == [3, 3]


def test_a_merge_and_a_forget_at_once_give_one_answer_each(
    alice, api_token_for, album, slow_refresh
):
    ann, ben = album["ann"], album["ben"]
    token = api_token_for(alice)
    responses = at_once(
        lambda: api(token).post(f"/api/v1/people/{ann.pk}/merge/", {"into": ben.pk}, "json"),
        lambda: api(token).post(f"/api/v1/people/{ann.pk}/forget/", {}, "json"),
    )
    assert statuses(responses) == [200, 404], [r.content for r in responses]
    assert not Person.objects.filter(pk=ann.pk).exists()
    merged, forgot = responses
    if merged.status_code == 200:  # merged first: ann's faces are ben's, nothing forgotten
        assert Face.objects.filter(person=ben).count() == 6
        assert PersonMerge.objects.filter(owner=alice).count() == 1
    else:  # forgotten first: ben keeps his own three faces, there was no merge
        assert forgot.json()["faces"] == 3
        assert Face.objects.filter(person=ben).count() == 3
        assert not PersonMerge.objects.exists()

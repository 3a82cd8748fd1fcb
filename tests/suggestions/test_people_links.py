"""Issue 21: a suggestion's people are a relation (Suggestion.people), filled by every kind
that features people, not read back from its key or title; forgetting a person removes
every card that shows them, whatever its kind or key and even once renamed."""

import importlib

import pytest
import time_machine
from django.apps import apps

from photos import people
from photos.models import Person, PersonMerge
from suggestions import services
from suggestions.models import Album, Kind, Suggestion
from tests.suggestions.memories_roll import NOW
from tests.suggestions.test_memories import ALL, roll  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def generate_everything(user):
    with time_machine.travel(NOW, tick=False):
        return services.generate(user)


def test_every_card_that_names_people_is_linked_to_exactly_them(roll, alice):  # noqa: F811
    made = generate_everything(alice)
    named = [s for s in made if s.explanation.get("people")]
    assert {s.kind for s in named} >= {Kind.TOGETHER, Kind.OVER_THE_YEARS, Kind.EVENT}
    for suggestion in named:
        linked = {p.name for p in suggestion.people.all()}
        assert linked == set(suggestion.explanation["people"]), suggestion.key
    together = Suggestion.objects.get(owner=alice, kind=Kind.TOGETHER)
    assert set(together.people.all()) == {roll.people["barack"], roll.people["joe"]}
    for suggestion in set(made) - set(named):
        assert not suggestion.people.exists(), suggestion.key


def test_forgetting_a_renamed_person_removes_every_card_that_shows_them(
    roll,  # noqa: F811
    alice,
):
    generate_everything(alice)
    joe = roll.people["joe"]
    showing = [
        s.pk
        for s in Suggestion.objects.for_owner(alice)
        if "Joe" in s.explanation.get("people", [])
    ]
    together = Suggestion.objects.get(owner=alice, kind=Kind.TOGETHER)
    assert together.pk in showing and len(showing) >= 2
    services.save(together)  # a saved card goes too; its album stays, unnamed
    album = Album.objects.get(suggestion=together)
    assert album.title == "Barack & Joe, together"
    people.update_person(joe, name="Joseph")  # the cards' text no longer matches the name
    others = set(Suggestion.objects.for_owner(alice).exclude(pk__in=showing))

    preview = people.forget_preview(joe)
    assert preview["suggestions"] == len(showing) and preview["albums_renamed"] == 1
    counts = people.forget(joe)
    assert counts["suggestions"] == len(showing)
    assert not Suggestion.objects.filter(pk__in=showing).exists()
    assert set(Suggestion.objects.for_owner(alice)) == others
    album.refresh_from_db()
    assert "Joe" not in album.title and album.photos.count() == 3


def test_the_migration_links_existing_cards_from_their_keys_and_names(
    roll,  # noqa: F811
    alice,
):
    barack, joe, mia = (roll.people[k] for k in ("barack", "joe", "mia"))
    cards = {
        "together": (f"together:p{barack.pk}-p{joe.pk}", {}),
        "birthday": (f"birthday:p{mia.pk}:2026", {}),
        "over_the_years": (f"years:p{barack.pk}:2026", {}),
        "theme_album": (f"person:{joe.pk}", {}),
        "event": ("event:2026-06-06T20:00", {"people": ["Mia", "Nobody"]}),
        "trip": ("trip:1", {"people": []}),
    }
    made = {
        kind: Suggestion.objects.create(
            owner=alice, kind=kind, key=key, title=kind, explanation=explanation
        )
        for kind, (key, explanation) in cards.items()
    }
    migration = importlib.import_module("suggestions.migrations.0004_suggestion_people")
    migration.fill_people(apps, None)
    linked = {kind: set(s.people.all()) for kind, s in made.items()}
    assert linked == {
        "together": {barack, joe},
        "birthday": {mia},
        "over_the_years": {barack},
        "theme_album": {joe},
        "event": {mia},
        "trip": set(),
    }


def test_the_migration_links_an_undone_merge_to_the_person_it_gave_back(alice):
    ada = Person.objects.create(owner=alice, name="Ada", pack="face@test")
    people.merge(ada, Person.objects.create(owner=alice, name="Bea", pack="face@test"))
    back = people.undo_merge(PersonMerge.objects.get())
    PersonMerge.objects.update(source=None)  # as it was before the link existed
    migration = importlib.import_module("photos.migrations.0007_personmerge_source")
    migration.link_undone_merges(apps, None)
    assert PersonMerge.objects.get().source_id == back.pk

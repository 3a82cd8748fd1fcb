"""`consent.granted`, the one-query answer the analysis worker asks twice per photo, says
what `consent.states` says at every turn of a user's consent history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from privacy import consent
from privacy.models import ConsentTerms, Scope

pytestmark = pytest.mark.django_db


def _by_states(user) -> set[str]:
    user.refresh_from_db()
    if not user.is_active:
        return set()
    return {scope for scope, state in consent.states(user).items() if state.granted}


def test_it_agrees_with_states_through_grants_revocations_new_terms_and_deactivation(alice, bob):
    history = [
        lambda: None,  # nothing granted yet
        lambda: consent.grant(alice, Scope.CLOUD_PROCESSING),
        lambda: consent.grant(alice, Scope.FACE_ANALYSIS),
        lambda: consent.grant(bob, Scope.AI_TRAINING),  # another user's word changes nothing
        lambda: consent.revoke(alice, Scope.FACE_ANALYSIS),
        lambda: consent.grant(alice, Scope.FACE_ANALYSIS),
        # New face terms: the old grant no longer covers analysis until granted again.
        lambda: ConsentTerms.objects.create(
            scope=Scope.FACE_ANALYSIS, version=2, title="t", text="new", published_at=timezone.now()
        ),
        # A draft is not in force.
        lambda: ConsentTerms.objects.create(
            scope=Scope.CLOUD_PROCESSING, version=9, title="t", text="draft", published_at=None
        ),
        lambda: consent.grant(alice, Scope.FACE_ANALYSIS),
        lambda: type(alice).objects.filter(pk=alice.pk).update(is_active=False),
    ]
    seen = []
    for change in history:
        change()
        assert consent.granted(alice.pk) == _by_states(alice)
        seen.append(frozenset(consent.granted(alice.pk)))
    # The history did go through different answers, including new terms and deactivation.
    assert frozenset({Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS}) in seen
    assert seen[6] == {Scope.CLOUD_PROCESSING}
    assert seen[-1] == frozenset()


def test_it_is_one_query(alice, grant):
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    with CaptureQueriesContext(connection) as queries:
        assert consent.granted(alice.pk) == {Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS}
    assert len(queries) == 1


def test_an_unknown_user_allows_nothing():
    assert consent.granted(987654) == set()

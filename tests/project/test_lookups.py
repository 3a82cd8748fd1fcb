"""project.lookups: what counts as an id, and the 404 of the owner-scoped fetchers."""

import pytest
from django.http import Http404

from accounts.models import User
from project.lookups import MAX_ID, get_or_404, parse_id, parse_ids


@pytest.mark.parametrize(
    "value",
    ["abc", "-1", "0", "²", "١٢", "9223372036854775808", "1.5", "0x1", " 1", "1 ", "", None,
     True, False, 0, -5, 2**63, 1.0, [1], {"pk": 1}],
)  # fmt: skip
def test_it_reads_no_id_from_what_is_not_one(value):
    assert parse_id(value) is None


@pytest.mark.parametrize(
    ("value", "expected"), [("1", 1), ("0042", 42), (7, 7), (str(MAX_ID), MAX_ID), (MAX_ID, MAX_ID)]
)
def test_it_reads_a_positive_id_the_database_can_hold(value, expected):
    assert parse_id(value) == expected


def test_it_keeps_the_valid_ids_up_to_the_limit():
    assert parse_ids(["3", "x", "²", "4", "-1", "5"], limit=2) == [3, 4]


@pytest.mark.django_db
def test_it_finds_a_row_of_the_queryset_or_raises_404(alice, bob):
    mine = User.objects.filter(pk=alice.pk)
    assert get_or_404(mine, str(alice.pk)) == alice
    for pk in (bob.pk, "abc", "²", "9223372036854775808", -1):
        with pytest.raises(Http404):
            get_or_404(mine, pk, "user")

"""Ids from URLs, query strings and bodies, and the 404 every owner-scoped fetcher gives.

An id is a positive integer the database can hold, written in ASCII digits. Anything else
("abc", "-1", "²", "9223372036854775808", 1.5, true) names no object, so it is the same 404
as someone else's object: the answer never tells a malformed id from a foreign one, and no
odd id reaches the database to become a 500.
"""

from django.db.models import Model, QuerySet
from django.http import Http404

MAX_ID = 2**63 - 1  # a signed 64-bit primary key


def parse_id(value) -> int | None:
    """The id `value` spells, or None if it spells none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        # isdigit() alone accepts "²" and other digits int() refuses.
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values, *, limit: int) -> list[int]:
    """The valid ids among `values` (at most `limit`); the others are dropped."""
    ids = (parse_id(v) for v in values)
    return [pk for pk in ids if pk is not None][:limit]


def get_or_404(queryset: QuerySet, pk, what: str = "object") -> Model:
    """The row `pk` of an already owner-scoped queryset, or 404."""
    number = parse_id(pk)
    found = queryset.filter(pk=number).first() if number is not None else None
    if found is None:
        raise Http404(f"No such {what} of yours.")
    return found

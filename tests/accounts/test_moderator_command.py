"""`manage.py moderator <username>`: staff and the Moderators group, and back."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def run(*args) -> str:
    out = StringIO()
    call_command("moderator", *args, stdout=out)
    return out.getvalue()


def test_it_makes_a_user_a_moderator_and_back(alice):
    assert "now a moderator" in run("alice")
    alice.refresh_from_db()
    assert alice.is_staff and not alice.is_superuser
    assert list(alice.groups.values_list("name", flat=True)) == ["Moderators"]
    run("alice", "--remove")
    alice.refresh_from_db()
    assert not alice.is_staff
    assert not alice.groups.exists()


def test_it_changes_nothing_on_a_dry_run(alice):
    assert run("alice", "--dry-run").startswith("Would do:")
    alice.refresh_from_db()
    assert not alice.is_staff and not alice.groups.exists()


def test_it_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user named"):
        run("nobody")

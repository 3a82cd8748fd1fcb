"""What suggestions does when photos announces something (connected in apps.ready)."""

from django.db import transaction
from django.dispatch import receiver

from photos.signals import person_forgetting
from suggestions.models import Suggestion
from suggestions.services import _remove_files


def suggestions_using(person) -> list[Suggestion]:
    """Suggestions made about this person: their birthday or album by key, or naming them.
    A name shared with another person counts too: forgetting errs on deleting."""
    found = []
    for suggestion in Suggestion.objects.for_owner(person.owner).filter(uses_faces=True):
        key = suggestion.key
        named = person.name and person.name in (suggestion.explanation or {}).get("people", [])
        if f":p{person.pk}:" in key or key == f"person:{person.pk}" or named:
            found.append(suggestion)
    return found


@receiver(person_forgetting)
def forget_suggestions_of_person(sender, person, dry_run, **kwargs):
    used = suggestions_using(person)
    if not dry_run and used:
        images = [s.image.name for s in used if s.image]
        Suggestion.objects.filter(pk__in=[s.pk for s in used]).delete()
        transaction.on_commit(lambda: _remove_files(images))
    return {"suggestions": len(used)}

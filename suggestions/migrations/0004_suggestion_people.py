import re

from django.db import migrations, models

# The keys the people kinds wrote before Suggestion.people existed: birthday:p12:2025,
# years:p12:2024, person:12 (theme album), together:p3-p7.
KEY_PEOPLE = re.compile(r"(?:^person:(\d+)$)|(?:(?<=[:-])p(\d+)(?=[:-]|$))")


def fill_people(apps, schema_editor):
    """Link each existing suggestion to the people its key names and, for the kinds that
    name people only in their text (events, recaps, the year), to the owner's people of
    the names it shows: a name shared by two people links both (forgetting either deletes
    the card, which errs on deleting)."""
    Suggestion = apps.get_model("suggestions", "Suggestion")
    Person = apps.get_model("photos", "Person")
    Link = Suggestion.people.through
    links = []
    names_of: dict[int, dict[str, set[int]]] = {}
    for suggestion in Suggestion.objects.all().iterator():
        ids = {int(a or b) for a, b in KEY_PEOPLE.findall(suggestion.key)}
        named = set((suggestion.explanation or {}).get("people") or [])
        if named:
            if suggestion.owner_id not in names_of:
                by_name: dict[str, set[int]] = {}
                for pk, name in Person.objects.filter(owner_id=suggestion.owner_id).exclude(
                    name=""
                ).values_list("pk", "name"):
                    by_name.setdefault(name, set()).add(pk)
                names_of[suggestion.owner_id] = by_name
            for name in named:
                ids |= names_of[suggestion.owner_id].get(name, set())
        if not ids:
            continue
        existing = set(
            Person.objects.filter(owner_id=suggestion.owner_id, pk__in=ids).values_list(
                "pk", flat=True
            )
        )
        links += [Link(suggestion_id=suggestion.pk, person_id=pk) for pk in sorted(existing)]
    Link.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("photos", "0006_face_person_photo_index"),
        ("suggestions", "0003_story_video"),
    ]

    operations = [
        migrations.AddField(
            model_name="suggestion",
            name="people",
            field=models.ManyToManyField(
                blank=True, related_name="suggestions", to="photos.person"
            ),
        ),
        migrations.RunPython(fill_people, migrations.RunPython.noop),
    ]

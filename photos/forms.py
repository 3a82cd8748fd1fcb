from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone

from photos import filters
from photos.models import Person, Theme
from project.lookups import parse_id


class LibraryFilterForm(forms.Form):
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    person = forms.TypedChoiceField(required=False, coerce=parse_id, empty_value=None)
    theme = forms.ChoiceField(required=False, choices=[("", "Any theme"), *Theme.choices])
    has_gps = forms.BooleanField(required=False, label="With location")
    near = forms.CharField(
        required=False,
        max_length=60,
        help_text="lat,lon or lat,lon,km",
        widget=forms.TextInput(attrs={"placeholder": "48.85,2.35,10"}),
    )

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        # One query for the select; only this owner's people can be chosen.
        people = Person.objects.for_owner(owner).visible().only("pk", "name")
        self.fields["person"].choices = [("", "Anyone")] + [(p.pk, str(p)) for p in people]

    def clean_near(self):
        text = self.cleaned_data["near"].strip()
        if not text:
            return None
        near = filters.parse_near(text)
        if near is None:
            raise forms.ValidationError("Use latitude,longitude or latitude,longitude,km.")
        return near

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filter_kwargs(self) -> dict:
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        return {
            "taken_after": _midnight(start) if start else None,
            # The calendar's last day has no next midnight: nothing is after it anyway.
            "taken_before": _midnight(end + timedelta(days=1)) if end and end < date.max else None,
            "person": data.get("person"),
            "theme": data.get("theme") or None,
            "has_gps": bool(data.get("has_gps")),
            "near": data.get("near"),
        }


def _midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))

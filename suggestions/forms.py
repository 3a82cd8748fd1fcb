from django import forms

from photos.models import Person
from project.forms import IdModelChoiceField
from suggestions.models import Control


class MemoryControlForm(forms.Form):
    """One memories setting: a person (show less / never), a date range or a place."""

    kind = forms.ChoiceField(choices=Control.choices)
    person = IdModelChoiceField(queryset=Person.objects.none(), required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    city = forms.CharField(required=False, max_length=200, label="Place")
    country_code = forms.CharField(required=False, max_length=2, label="Country code")

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.for_owner(user).exclude(name="")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in (Control.LESS_OF_PERSON, Control.NEVER_PERSON) and not data.get("person"):
            self.add_error("person", "Choose one of your people.")
        if kind == Control.HIDE_DATES:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                self.add_error("start", "Give a first and a last day.")
            elif end < start:
                self.add_error("end", "The last day is before the first.")
        if kind == Control.HIDE_PLACE:
            if not (data.get("city") or "").strip():
                self.add_error("city", "Give the place's name as memories show it.")
            code = (data.get("country_code") or "").strip()
            if code and (len(code) != 2 or not code.isalpha()):
                self.add_error("country_code", "Two letters (DE, FR).")
        return data

    def control_fields(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        if kind in (Control.LESS_OF_PERSON, Control.NEVER_PERSON):
            return {"kind": kind, "person": data["person"]}
        if kind == Control.HIDE_DATES:
            return {"kind": kind, "start": data["start"], "end": data["end"]}
        return {
            "kind": kind,
            "city": data["city"].strip(),
            "country_code": (data.get("country_code") or "").strip().upper(),
        }

    def service_fields(self) -> dict:
        fields = self.control_fields()
        if "person" in fields:
            fields["person_id"] = fields.pop("person").pk
        return fields

"""Form fields every app's forms share."""

from django import forms
from django.core.exceptions import ValidationError

from project.lookups import parse_id


class IdModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose value is read by the one id parser (project.lookups): the
    model's own to_python would turn an Arabic-Indic or full-width digit into an id."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if parse_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError

from accounts import ratelimit
from accounts.models import User


class LockoutMixin:
    """AuthenticationForm's clean with the password checked under the one lock-out
    (accounts.ratelimit), for the login page and the admin's login alike."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = ratelimit.authenticate(self.request, username, password)
            except ratelimit.Locked:
                raise ValidationError(ratelimit.LOCKED_MESSAGE, code="locked") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    @property
    def locked(self) -> bool:
        return any(e.code == "locked" for e in self.errors.as_data().get("__all__", []))


class LoginForm(LockoutMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    pass


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="Used only to reset your password.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("email", "birthday")
        widgets = {"birthday": forms.DateInput(attrs={"type": "date"})}

    def clean_email(self):
        # The address password resets go to: one account per address, as at sign-up.
        email = self.cleaned_data["email"].strip().lower()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if email and taken.exists():
            raise forms.ValidationError("Another account already uses this email address.")
        return email

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
    email = forms.EmailField(
        required=True,
        help_text="Used only to reset your password. We send it a link to confirm it.",
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self):
        # Taken or not, the same answer (accounts.services.request_email tells the address).
        return self.cleaned_data["email"].strip().lower()

    def save(self, commit=True):
        """The account, without an address until the link sent to it is followed."""
        user = super().save(commit=False)
        user.email = ""
        if commit:
            user.save()
        return user


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("email", "birthday")
        widgets = {"birthday": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"email": "A new address is used once you follow the link we send it."}

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def save(self, commit=True):
        """The birthday is saved; a new address waits for its link (requested_email)."""
        self.requested_email = self.cleaned_data["email"]
        user = super().save(commit=False)
        if self.requested_email:  # clearing the address needs no link
            user.email = self.initial.get("email", "")
        if commit:
            user.save()
        return user


class AppPasswordForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="App",
        help_text="The app it is for, e.g. PhotoSync on my phone.",
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Name the app.")
        return name

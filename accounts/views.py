from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import ratelimit, services
from accounts.fetchers import get_device_for_user
from accounts.forms import AppPasswordForm, LoginForm, ProfileForm, SignUpForm
from accounts.models import Device, DeviceKind


class LoginView(auth_views.LoginView):
    """Django's login with the one lock-out (accounts.forms.LockoutMixin)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def form_invalid(self, form):
        status = 429 if form.locked else 200
        return self.render_to_response(self.get_context_data(form=form), status=status)


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    if request.method == "POST" and not ratelimit.signup_allowed(request):
        context = {"form": SignUpForm(), "error": "Too many sign-ups from your address. Try later."}
        return render(request, "registration/signup.html", context, status=429)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        services.request_email(user, form.cleaned_data["email"], signup=True)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            f"Welcome! We sent a link to {form.cleaned_data['email']} to confirm it. "
            "Before anything is analysed, choose what you allow.",
        )
        return redirect("privacy:onboarding")
    return render(request, "registration/signup.html", {"form": form})


def dashboard(request):
    """The signed-in user's dashboard; for anyone else, what Camroll is."""
    if not request.user.is_authenticated:
        return render(request, "accounts/landing.html", {"page": "landing"})
    if request.user.consent_reviewed_at is None:
        return redirect("privacy:onboarding")
    return render(request, "accounts/dashboard.html", {"page": "dashboard"})


@login_required
def profile(request):
    old_email = request.user.email
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        services.notify_email_change(user, old_email)  # only if it was cleared
        requested = form.requested_email
        if requested and requested != (user.email or "").lower():
            # Taken by another account or not, the same answer (services.request_email).
            services.request_email(user, requested)
            messages.success(
                request, f"Profile saved. We sent a link to {requested} to confirm it."
            )
        else:
            messages.success(request, "Profile saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form, "page": "profile"})


def confirm_email(request, token):
    """The link a new address got: a button (a GET changes nothing), then the address."""
    if request.method == "POST":
        try:
            user = services.confirm_email(token)
        except services.ConfirmError as exc:
            context = {"error": str(exc)}
            return render(request, "accounts/confirm_email.html", context, status=400)
        messages.success(request, f"{user.email} is now your account's address.")
        return redirect("accounts:profile" if request.user == user else "accounts:login")
    return render(request, "accounts/confirm_email.html", {"token": token})


@login_required
def devices(request, new_password=None, status=200):
    # Revoked devices stay listed (greyed out) so the user can see what was cut off and when.
    items = Device.objects.for_owner(request.user).order_by("revoked_at", "-created_at")
    context = {
        "devices": items,
        "page": "devices",
        "form": AppPasswordForm(),
        "new_password": new_password,
        "dav_url": request.build_absolute_uri("/dav/"),
    }
    response = render(request, "accounts/devices.html", context, status=status)
    if new_password:
        response["Cache-Control"] = "no-store"  # the password is shown once, never kept
    return response


@login_required
@require_POST
def add_app_password(request):
    """An app password for a WebDAV sync app, named after the app: shown on this one
    response, stored only as a hash, revocable like a device."""
    form = AppPasswordForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Name the app the password is for (up to 100 characters).")
        return devices(request, status=400)
    device, raw = Device.issue(request.user, form.cleaned_data["name"], DeviceKind.APP_PASSWORD)
    return devices(request, new_password={"device": device, "password": raw})


@login_required
@require_POST
def revoke_device(request, pk):
    device = get_device_for_user(request.user, pk)
    device.revoke()
    messages.success(request, f"“{device.name}” can no longer reach your account.")
    return redirect("accounts:devices")


def healthz(request):
    # Anonymous: "up" and nothing about how it is configured.
    return JsonResponse({"ok": True})

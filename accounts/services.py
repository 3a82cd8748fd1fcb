"""Account verbs that reach past one row: the notice an old address gets when the email
changes, and the confirmation a new address gets before it is used. (Tokens die with the
password in User.save.)

An address is set on an account only once a link sent to it was followed. Sign-up and the
profile answer the same whether or not another account already has the address: that
account's owner gets a notice instead of a link, so nobody learns from Camroll which
addresses are registered."""

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from accounts.models import User

CONFIRM_SALT = "accounts.confirm-email"
CONFIRM_MAX_AGE = 3 * 24 * 3600  # seconds a confirmation link works


class ConfirmError(Exception):
    pass


def _mail(subject: str, body: str, to: str) -> None:
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to]))


def email_taken(email: str, *, by_other_than=None) -> bool:
    users = User.objects.filter(email__iexact=email)
    if by_other_than is not None:
        users = users.exclude(pk=by_other_than.pk)
    return users.exists()


def request_email(user, email: str, *, signup: bool = False) -> None:
    """Send `email` a link that sets it on `user`, or, if another account has it, a notice
    to that address. The caller answers the same either way."""
    email = email.strip().lower()
    if not email or email == (user.email or "").lower():
        return
    if email_taken(email, by_other_than=user):
        what = "sign up" if signup else "use this address for another account"
        _mail(
            "Someone tried to use your address on Camroll",
            f"Someone tried to {what} with this email address on Camroll "
            f"({settings.SITE_URL}).\n\n"
            "It already belongs to an account. If it was you, sign in, or reset your "
            f"password at {settings.SITE_URL}{reverse('accounts:password_reset')}.\n"
            "If it was not you, there is nothing to do: nothing was changed.\n",
            email,
        )
        return
    token = signing.dumps({"user": user.pk, "email": email, "was": user.email}, salt=CONFIRM_SALT)
    link = settings.SITE_URL + reverse("accounts:confirm-email", args=[token])
    _mail(
        "Confirm your email address for Camroll",
        f"Follow this link to use this address for the Camroll account "
        f"{user.get_username()!r}:\n\n{link}\n\n"
        "It works for three days. If you did not ask for this, ignore this message.\n",
        email,
    )


def confirm_email(token: str):
    """Set the address a link from request_email names; the user, or ConfirmError."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        raise ConfirmError("This link is not valid or has expired.") from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data.get("user")).first()
        # A link stops working once the address it was sent from changed (used once).
        if user is None or (user.email or "") != (data.get("was") or ""):
            raise ConfirmError("This link is not valid or has expired.")
        if email_taken(data["email"], by_other_than=user):
            raise ConfirmError("Another account now uses this address: it was not set.")
        old = user.email
        user.email = data["email"]
        user.save(update_fields=["email"])
        notify_email_change(user, old)
    return user


def notify_email_change(user, old_email: str) -> None:
    """Tell the old address: whoever changed it could now reset the password."""
    if not old_email or old_email.lower() == (user.email or "").lower():
        return
    subject = "Your Camroll email address was changed"
    body = (
        f"The email address of the Camroll account {user.get_username()!r} was changed "
        f"from this address to {user.email or '(none)'}.\n\n"
        "If you did not do this, contact the administrator of this service at once: "
        "password reset links now go to the new address.\n"
    )
    _mail(subject, body, old_email)

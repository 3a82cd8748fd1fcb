"""Account verbs that reach past one row: the notice an old address gets when the email
changes. (Tokens die with the password in User.save.)"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction


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
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [old_email])
    )

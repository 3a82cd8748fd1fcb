from django import template

from privacy import consent
from privacy.models import Scope

register = template.Library()


@register.inclusion_tag("privacy/_reconsent_banner.html", takes_context=True)
def reconsent_banner(context):
    """A prompt wherever it is included when staff published new terms the user has not seen."""
    user = context.get("user")
    scopes = []
    if user is not None and user.is_authenticated:
        scopes = [
            Scope(s).label for s, state in consent.states(user).items() if state.needs_reconsent
        ]
    return {"scopes": scopes}

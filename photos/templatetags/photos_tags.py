from django import template

from photos import ml

register = template.Library()


@register.inclusion_tag("photos/_models_banner.html", takes_context=True)
def models_banner(context):
    """While a model is missing: staff are told which setting and command fix it; everyone
    else only that their analysis waits (it is not their error, and server paths are not
    theirs to see)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"missing": []}
    return {"missing": ml.missing_models(), "staff": user.is_staff}

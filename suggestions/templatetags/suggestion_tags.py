from django import template

from suggestions.views import ranked_feed

register = template.Library()


@register.simple_tag
def recent_suggestions(user, limit=6):
    """The top of `user`'s ranked feed, for the dashboard (a constant number of queries)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return ranked_feed(user, limit=limit)


@register.filter
def explanation_list(suggestion, field):
    value = (suggestion.explanation or {}).get(field) or []
    return value if isinstance(value, list) else [value]

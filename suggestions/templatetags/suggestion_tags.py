from django import template

from suggestions.views import feed_queryset

register = template.Library()


@register.simple_tag
def recent_suggestions(user, limit=6):
    """The newest visible suggestions of `user`, for the dashboard (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(feed_queryset(user)[:limit])


@register.filter
def explanation_list(suggestion, field):
    value = (suggestion.explanation or {}).get(field) or []
    return value if isinstance(value, list) else [value]

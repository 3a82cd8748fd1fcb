"""The owner-scoped fetchers of suggestions' models, used by the pages and the API alike.

Each returns the user's own object or raises Http404, for anyone else's id and for an id
that is not one (project.lookups). The owner filter is applied on top of `queryset`.
"""

from project.lookups import get_or_404
from suggestions.models import Album, MemoryControl, Suggestion


def get_suggestion_for_user(user, pk, queryset=None) -> Suggestion:
    queryset = Suggestion.objects.all() if queryset is None else queryset
    return get_or_404(queryset.filter(owner=user), pk, "suggestion")


def get_album_for_user(user, pk, queryset=None) -> Album:
    queryset = Album.objects.all() if queryset is None else queryset
    return get_or_404(queryset.filter(owner=user), pk, "album")


def get_memory_control_for_user(user, pk, queryset=None) -> MemoryControl:
    queryset = MemoryControl.objects.all() if queryset is None else queryset
    return get_or_404(queryset.filter(owner=user), pk, "memories setting")

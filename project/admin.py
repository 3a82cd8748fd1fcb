"""The base of every ModelAdmin over personal data (accounts, privacy, photos,
suggestions): the changelist takes only the filters the admin shows.

Django's admin accepts any lookup on a model's own fields from the query string
(`?original_name__startswith=`, `?camera_model__icontains=`, `?taken_at__year=`), and a
moderator who may not see a column can still read it, one guess at a time, from which rows
a filter keeps. Here a lookup is allowed only if it is one of the admin's list filters (or
its date hierarchy) spelled as Django's filters spell it, or the owner filter
(`?user__id__exact=`); anything else is Django's DisallowedModelAdminLookup, a 400.
(What staff saw is logged by privacy.middleware.AdminAccessLogMiddleware.)
"""

from django.contrib import admin
from django.contrib.admin.filters import SimpleListFilter

# How Django's own list filters and date hierarchy spell their query parameters.
FILTER_LOOKUPS = frozenset(
    {"", "exact", "isnull", "in", "id__exact", "id__in", "gte", "lt", "year", "month", "day"}
)
# Filtering by whose data it is: a link a moderator follows, no content in it.
OWNER_FIELDS = ("owner", "user", "subject")
OWNER_LOOKUPS = frozenset({"", "exact", "id__exact"})


class PersonalDataAdmin(admin.ModelAdmin):
    def shown_lookups(self, request) -> dict[str, frozenset[str]]:
        """Field or parameter name -> the suffixes its filter uses."""
        shown: dict[str, frozenset[str]] = {}
        filters = self.get_list_filter(request) if request is not None else self.list_filter
        for item in filters:
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                shown[item.parameter_name] = frozenset({""})
                continue
            name = item[0] if isinstance(item, (list, tuple)) else item
            if isinstance(name, str):
                shown[name] = FILTER_LOOKUPS
        if self.date_hierarchy:
            shown[self.date_hierarchy] = FILTER_LOOKUPS
        names = {f.name for f in self.model._meta.get_fields()}
        for name in OWNER_FIELDS:
            if name in names:
                shown.setdefault(name, OWNER_LOOKUPS)
        return shown

    def lookup_allowed(self, lookup, value, request=None):
        for name, suffixes in self.shown_lookups(request).items():
            if lookup == name and "" in suffixes:
                return True
            if lookup.startswith(name + "__") and lookup[len(name) + 2 :] in suffixes:
                return True
        return False

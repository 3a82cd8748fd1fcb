"""Suggestion kinds. One module per kind; importing it registers it (see base.register and
docs/suggestions.md). Add a new kind's module to KIND_MODULES."""

from importlib import import_module

from suggestions.kinds.base import REGISTRY, Context, PhotoInfo, Proposal, SuggestionKind

KIND_MODULES = (
    "collage",
    "monthly_recap",
    "on_this_day",
    "trip",
    "birthday",
    "event",
    "effect",
    "theme_album",
    "together",
    "over_the_years",
    "year_in_review",
)

for _module in KIND_MODULES:
    import_module(f"suggestions.kinds.{_module}")

__all__ = ["REGISTRY", "Context", "PhotoInfo", "Proposal", "SuggestionKind"]

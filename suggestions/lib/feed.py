"""The ranked feed: a score per suggestion, and one card per moment.

Pure code: the view (suggestions/views.py `ranked_feed`) reads the rows and their photo
ids in two queries and hands `Card`s here. docs/suggestions.md, "The ranked feed", has
the weights.
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

# When two suggestions show mostly the same photos, the one of the kind earlier in this
# list keeps its card and the other folds into it: a trip absorbs its day collages, its
# place album and the effects of its photos.
FOLD_ORDER = (
    "trip",
    "year_in_review",
    "event",
    "birthday",
    "together",
    "over_the_years",
    "monthly_recap",
    "on_this_day",
    "collage",
    "theme_album",
    "effect",
)
OVERLAP = 0.5  # more than half of the smaller one's photos

RECENCY_DAYS = 90  # a moment's weight halves every 90 days, but these look back on purpose:
ANNIVERSARY_KINDS = {"on_this_day", "birthday", "over_the_years", "year_in_review"}
WEIGHTS = {"recency": 0.35, "people": 0.2, "quality": 0.15, "taste": 0.2, "new": 0.1}
SAME_KIND = 0.85  # novelty: each earlier card of the same kind multiplies the score by this
LESS = 0.5  # a card naming someone the user sees less of


@dataclass
class Card:
    id: int
    kind: str
    state: str
    created_at: datetime
    period_end: date | None
    seen: bool
    photo_ids: frozenset[int]
    people: int = 0  # named people
    quality: float | None = None  # mean of its photos, 0..1
    names_less: bool = False
    score: float = 0.0
    folded: list["Card"] = field(default_factory=list)


def taste(saved: Counter, dismissed: Counter) -> dict[str, float]:
    """Per kind, how much this user keeps it: (saved + 1) / (saved + dismissed + 2)."""
    kinds = set(saved) | set(dismissed)
    return {k: (saved[k] + 1) / (saved[k] + dismissed[k] + 2) for k in kinds}


def score(card: Card, today: date, likes: dict[str, float]) -> float:
    if card.kind in ANNIVERSARY_KINDS or card.period_end is None:
        recency = math.exp(-max(0, (today - card.created_at.date()).days) / 14)
    else:
        recency = 0.5 ** (max(0, (today - card.period_end).days) / RECENCY_DAYS)
    parts = {
        "recency": recency,
        "people": min(1.0, card.people / 2),
        "quality": card.quality if card.quality is not None else 0.5,
        "taste": likes.get(card.kind, 0.5),
        "new": 0.0 if card.seen else 1.0,
    }
    value = sum(WEIGHTS[name] * parts[name] for name in WEIGHTS)
    return value * (LESS if card.names_less else 1.0)


def overlaps(a: Card, b: Card) -> bool:
    smaller = min(len(a.photo_ids), len(b.photo_ids))
    return smaller > 0 and len(a.photo_ids & b.photo_ids) > OVERLAP * smaller


def rank(cards: list[Card], today: date, likes: dict[str, float]) -> list[Card]:
    """Score every card, fold the ones that repeat a moment into the card that keeps it,
    and order: unseen before seen, then by score with a novelty discount per kind. A
    saved card is never folded (it is the user's album), and folds nothing."""
    for card in cards:
        card.score = score(card, today, likes)
    order = {kind: i for i, kind in enumerate(FOLD_ORDER)}
    by_priority = sorted(cards, key=lambda c: (order.get(c.kind, len(order)), -c.score, -c.id))
    kept: list[Card] = []
    for card in by_priority:
        if card.state != "saved":
            host = next((k for k in kept if k.state != "saved" and overlaps(k, card)), None)
            if host is not None:
                host.folded.append(card)
                continue
        kept.append(card)
    result: list[Card] = []
    seen_kinds: Counter = Counter()
    remaining = sorted(kept, key=lambda c: (c.seen, -c.score, -c.id))
    # Novelty: a card's score drops with each card of its kind already above it.
    while remaining:
        best = max(
            remaining,
            key=lambda c: (not c.seen, c.score * SAME_KIND ** seen_kinds[c.kind], c.id),
        )
        remaining.remove(best)
        seen_kinds[best.kind] += 1
        result.append(best)
    return result

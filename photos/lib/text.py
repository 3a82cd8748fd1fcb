"""Text read in photos: which lines to keep, and the folded form search matches. No Django."""

import re
import unicodedata

MAX_LINE = 500
MAX_LINES = 200
_NOT_WORD = re.compile(r"[^\w]+|_+")


def fold_words(text: str) -> str:
    """Lower case, no accents, every run of anything but letters and digits one space, and a
    space at both ends: " cafe s lisboa " for "Café's LISBOA". A word or a phrase folded the
    same way matches at word starts with a plain substring test (or SQL LIKE)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = _NOT_WORD.sub(" ", bare).split()
    return f" {' '.join(words)} " if words else ""


def keep(text: str, score: float, min_score: float) -> bool:
    """A line worth storing: read with enough confidence, and at least two letters or
    digits (a lone character in a texture is the detector's commonest false hit)."""
    return score >= min_score and sum(c.isalnum() for c in text) >= 2


def clean_lines(lines, min_score: float) -> list:
    """`lines` (objects with text, box, score) kept, stripped and capped, in their order."""
    kept = []
    for line in lines:
        text = " ".join(line.text.split())[:MAX_LINE]
        if keep(text, line.score, min_score):
            kept.append((text, line.box, round(float(line.score), 4)))
        if len(kept) >= MAX_LINES:
            break
    return kept

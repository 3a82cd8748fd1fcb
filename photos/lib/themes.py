"""Themes from scene-classifier probabilities, and screenshots by size. No Django."""

import json
from functools import cache
from pathlib import Path

import numpy as np

THEMES_FILE = Path(__file__).resolve().parent.parent / "data" / "themes.json"

SCREEN_SHORT_SIDES = {640, 720, 750, 768, 800, 828, 900, 1080, 1125, 1170, 1179, 1200, 1242,
                      1284, 1290, 1440, 1536, 1600, 1620, 1668, 2048}  # fmt: skip


@cache
def theme_table(labels: tuple[str, ...]) -> tuple[float, dict[str, np.ndarray]]:
    """The threshold, and each theme's class indexes in a classifier with these labels."""
    data = json.loads(THEMES_FILE.read_text())
    index = {}
    for i, label in enumerate(labels):
        index.setdefault(label, []).append(i)
    table = {}
    for theme, spec in data["themes"].items():
        classes = set()
        for label in spec.get("labels", []):
            classes.update(index.get(label, []))
        for start, end in spec.get("index_ranges", []):
            classes.update(range(start, min(end, len(labels) - 1) + 1))
        table[theme] = np.array(sorted(classes), dtype=np.int64)
    return float(data["min_score"]), table


def themes_for(labels: list[str], probabilities: np.ndarray) -> dict[str, float]:
    """Themes whose classes' probabilities add up to the threshold in themes.json."""
    min_score, table = theme_table(tuple(labels))
    scores = {}
    for theme, classes in table.items():
        score = float(probabilities[classes].sum()) if len(classes) else 0.0
        if score >= min_score:
            scores[theme] = round(min(score, 1.0), 4)
    return scores


def is_screenshot(extension: str, camera: str, width: int, height: int) -> bool:
    """A PNG without a camera at a phone, tablet or desktop screen's size."""
    if extension.lower() != "png" or camera:
        return False
    short, long = sorted((width, height))
    return short in SCREEN_SHORT_SIDES and 1.3 <= long / short <= 2.4

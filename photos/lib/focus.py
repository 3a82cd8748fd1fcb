"""Face-aware crops: where to anchor a photo shown cropped (a square tile, a 4:3 card) so
that no face is cut. No Django.

The result is a CSS `object-position` ("37.5% 50%"): with `object-fit: cover` the browser
crops the photo, and the position says which part stays. When all the faces fit in the
crop, the crop holds them all, as centred on them as the photo's edges allow; when they do
not fit (a wide group photo in a square), it holds the largest face whole and centres on it.
"""

CENTRE = "50% 50%"


def _offset(length: float, window: float, lo: float, hi: float) -> float:
    """Where a `window` wide crop starts along a side `length` long to hold [lo, hi]."""
    start = (lo + hi) / 2 - window / 2
    return min(max(start, 0.0), length - window)


def object_position(width, height, boxes, aspect: float = 1.0) -> str:
    """`boxes`: (x1, y1, x2, y2) of the faces in the upright photo's pixels; `aspect`: the
    crop's width / height (1 for a square)."""
    if not width or not height or not boxes:
        return CENTRE
    boxes = [b for b in boxes if b[2] > b[0] and b[3] > b[1]]
    if not boxes:
        return CENTRE
    union = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    if width / height > aspect:  # wider than the crop: it slides left and right
        window = height * aspect
        lo, hi = union[0], union[2]
        if hi - lo > window:
            big = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
            lo, hi = big[0], big[2]
        start = _offset(width, window, lo, hi)
        return f"{100 * start / (width - window):.1f}% 50%"
    if width / height < aspect:  # taller than the crop: it slides up and down
        window = width / aspect
        lo, hi = union[1], union[3]
        if hi - lo > window:
            big = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
            lo, hi = big[1], big[3]
        start = _offset(height, window, lo, hi)
        return f"50% {100 * start / (height - window):.1f}%"
    return CENTRE


def crop_box(width, height, position: str, aspect: float = 1.0):
    """The part of the photo `object_position` keeps, in the photo's pixels (for tests and
    for anyone cropping on the server)."""
    px, py = (float(p.rstrip("%")) / 100 for p in position.split())
    if width / height > aspect:
        window = height * aspect
        left = px * (width - window)
        return (left, 0.0, left + window, float(height))
    window = width / aspect
    top = py * (height - window)
    return (0.0, top, float(width), top + window)

"""Collage layouts and face-aware crops, in plain numbers (no images, no Django).

A layout is a list of cells (x, y, w, h) on a canvas. A crop is a rectangle in a photo's
upright pixel coordinates with the aspect ratio of its cell; it contains every face box,
even when that means reaching past the photo's edge (the renderer fills the rest), so no
face is ever cut.
"""

import math
from dataclasses import dataclass

GRID = "grid"
MOSAIC = "mosaic"
HERO = "hero"  # one large photo with small ones
STYLES = (GRID, MOSAIC, HERO)

Box = tuple[float, float, float, float]  # x1, y1, x2, y2


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    w: int
    h: int

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]


def _split(total: int, parts: int, gap: int, weights: list[float] | None = None) -> list[int]:
    """Integer lengths of `parts` segments separated by `gap`, summing to `total`."""
    usable = total - gap * (parts - 1)
    weights = weights or [1.0] * parts
    scale = usable / sum(weights)
    lengths = [int(w * scale) for w in weights]
    lengths[-1] += usable - sum(lengths)
    return lengths


def _row(y: int, h: int, width: int, gap: int, weights: list[float] | None = None) -> list[Cell]:
    cells, x = [], 0
    for w in _split(width, len(weights) if weights else 1, gap, weights):
        cells.append(Cell(x, y, w, h))
        x += w + gap
    return cells


def grid(n: int, width: int, height: int, gap: int) -> list[Cell]:
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    cells: list[Cell] = []
    y = 0
    heights = _split(height, rows, gap)
    for r, h in enumerate(heights):
        in_row = min(cols, n - len(cells)) if r < rows - 1 else n - len(cells)
        cells.extend(_row(y, h, width, gap, [1.0] * in_row))
        y += h + gap
    return cells


def mosaic(aspects: list[float], width: int, height: int, gap: int) -> list[Cell]:
    """Rows of two and three photos in turn; within a row, widths follow the photos' aspect
    ratios (a justified layout), so most photos need little cropping."""
    n = len(aspects)
    counts, left, pattern = [], n, (2, 3)
    while left:
        take = min(pattern[len(counts) % 2], left)
        if left - take == 1:  # never leave a lonely photo for the last row
            take += 1 if take < 3 else -1
        counts.append(take)
        left -= take
    heights = _split(height, len(counts), gap)
    cells: list[Cell] = []
    y, i = 0, 0
    for count, h in zip(counts, heights, strict=True):
        cells.extend(
            _row(y, h, width, gap, [max(0.5, min(2.0, a)) for a in aspects[i : i + count]])
        )
        y += h + gap
        i += count
    return cells


def hero(n: int, width: int, height: int, gap: int) -> list[Cell]:
    """The first photo large on the left, the others in one or two columns on the right."""
    if n == 1:
        return [Cell(0, 0, width, height)]
    small = n - 1
    columns = 1 if small <= 3 else 2
    widths = _split(width, 1 + columns, gap, [2.0 if columns == 1 else 2.4] + [1.0] * columns)
    cells = [Cell(0, 0, widths[0], height)]
    x = widths[0] + gap
    per_column = [math.ceil(small / columns), small // columns] if columns == 2 else [small]
    for col_w, count in zip(widths[1:], per_column, strict=True):
        y = 0
        for h in _split(height, count, gap):
            cells.append(Cell(x, y, col_w, h))
            y += h + gap
        x += col_w + gap
    return cells


def layout(style: str, aspects: list[float], width: int, height: int, gap: int = 8) -> list[Cell]:
    n = len(aspects)
    if not 1 <= n <= 9:
        raise ValueError("a collage has 1 to 9 photos")
    if style == GRID:
        return grid(n, width, height, gap)
    if style == MOSAIC:
        return mosaic(aspects, width, height, gap) if n > 2 else grid(n, width, height, gap)
    if style == HERO:
        return hero(n, width, height, gap)
    raise ValueError(f"unknown layout {style!r}")


def style_for(n: int, seed: int) -> str:
    """A layout style that suits `n` photos, varied by `seed` so collages do not all look
    alike."""
    if n <= 2:
        return GRID
    choices = [GRID, MOSAIC, HERO] if n in (4, 6, 9) else [HERO, MOSAIC, GRID]
    return choices[seed % len(choices)]


def union(boxes: list[Box]) -> Box | None:
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def face_crop(
    image_w: float, image_h: float, faces: list[Box], cell_w: float, cell_h: float, margin=0.12
) -> Box:
    """The largest crop of the cell's aspect ratio that fits in the image, moved (and, only
    if it must, enlarged past the image's edges) so that every face box with a small margin
    is inside it. Without faces it is centred."""
    aspect = cell_w / cell_h
    if image_w / image_h > aspect:
        w, h = image_h * aspect, image_h
    else:
        w, h = image_w, image_w / aspect
    box = union(faces)
    if box is None:
        x1, y1 = (image_w - w) / 2, (image_h - h) / 2
        return (x1, y1, x1 + w, y1 + h)
    # Faces with a margin, clipped to the image; the raw boxes themselves are never clipped
    # (a detector may report a box that pokes past the edge).
    pad = margin * max(box[2] - box[0], box[3] - box[1], 1.0)
    padded = (
        min(box[0], max(0.0, box[0] - pad)),
        min(box[1], max(0.0, box[1] - pad)),
        max(box[2], min(image_w, box[2] + pad)),
        max(box[3], min(image_h, box[3] + pad)),
    )
    need_w, need_h = padded[2] - padded[0], padded[3] - padded[1]
    if need_w > w or need_h > h:
        w = max(w, need_w, need_h * aspect)
        h = w / aspect
    # The crop may use the image and, where a face box pokes out, that box.
    bounds = (
        min(0.0, padded[0]),
        min(0.0, padded[1]),
        max(image_w, padded[2]),
        max(image_h, padded[3]),
    )
    x1 = _place(padded[0], padded[2], w, bounds[0], bounds[2])
    y1 = _place(padded[1], padded[3], h, bounds[1], bounds[3])
    return (x1, y1, x1 + w, y1 + h)


def _place(lo: float, hi: float, size: float, bound_lo: float, bound_hi: float) -> float:
    """Start of a segment of `size` containing [lo, hi], inside [bound_lo, bound_hi] when it
    fits, as centred on [lo, hi] as those allow."""
    centre = (lo + hi) / 2 - size / 2
    if size > bound_hi - bound_lo:
        return (bound_lo + bound_hi) / 2 - size / 2
    low = max(hi - size, bound_lo)
    high = min(lo, bound_hi - size)
    return min(max(centre, low), high)


def map_box(box: Box, crop: Box, cell: Cell) -> Box:
    """A box in photo coordinates, in canvas coordinates once cropped into `cell`."""
    sx = cell.w / (crop[2] - crop[0])
    sy = cell.h / (crop[3] - crop[1])
    return (
        cell.x + (box[0] - crop[0]) * sx,
        cell.y + (box[1] - crop[1]) * sy,
        cell.x + (box[2] - crop[0]) * sx,
        cell.y + (box[3] - crop[1]) * sy,
    )


def inside(box: Box, cell: Cell, tolerance: float = 0.0) -> bool:
    return (
        box[0] >= cell.x - tolerance
        and box[1] >= cell.y - tolerance
        and box[2] <= cell.x + cell.w + tolerance
        and box[3] <= cell.y + cell.h + tolerance
    )

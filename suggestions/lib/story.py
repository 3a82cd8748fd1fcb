"""A story's timing and its slow pan and zoom ("Ken Burns"), shared by the story viewer
(which receives the plan as JSON) and the video renderer. No Django.

Each photo moves from a start crop to an end crop of the frame's aspect ratio. The start
is the largest crop that holds every face (layout.face_crop); the end is closer, toward
the faces, and still holds every face box with a margin, so the motion never cuts a face.
"""

from dataclasses import dataclass

from suggestions.lib.layout import Box, face_crop, union

TITLE_SECONDS = 2.5
PHOTO_SECONDS = 3.5
ZOOM = 1.18  # how much closer the end crop is than the start
FACE_MARGIN = 0.25  # of the faces' extent, kept around them at the end of the zoom


@dataclass(frozen=True)
class Motion:
    start: Box
    end: Box

    def at(self, t: float) -> Box:
        """The crop at time t (0..1), eased in and out."""
        t = min(1.0, max(0.0, t))
        e = t * t * (3 - 2 * t)
        return tuple(a + (b - a) * e for a, b in zip(self.start, self.end, strict=True))


def motion(width: float, height: float, faces: list[Box], aspect: float) -> Motion:
    """The pan and zoom of one photo shown in a frame of `aspect` (width / height)."""
    start = face_crop(width, height, faces, aspect, 1.0)
    sw, sh = start[2] - start[0], start[3] - start[1]
    box = union(faces)
    if box is None:  # no faces: a gentle zoom into the centre
        cx, cy = (start[0] + start[2]) / 2, (start[1] + start[3]) / 2
        ew, eh = sw / ZOOM, sh / ZOOM
        end = (cx - ew / 2, cy - eh / 2, cx + ew / 2, cy + eh / 2)
        return Motion(start, end)
    pad = FACE_MARGIN * max(max(f[2] - f[0], f[3] - f[1]) for f in faces)
    need = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
    # As close as ZOOM allows, but never so close that the faces and their margin leave it.
    ew = max(sw / ZOOM, need[2] - need[0], (need[3] - need[1]) * aspect)
    ew = min(ew, sw)
    eh = ew / aspect
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    x1 = _place(cx - ew / 2, ew, (start[0], start[2]), (need[0], need[2]), (box[0], box[2]))
    y1 = _place(cy - eh / 2, eh, (start[1], start[3]), (need[1], need[3]), (box[1], box[3]))
    return Motion(start, (x1, y1, x1 + ew, y1 + eh))


def _place(wanted: float, size: float, within, *holds) -> float:
    """Where a span of `size` starts: near `wanted`, inside `within`, holding the first of
    `holds` (faces with their margin, else the bare faces) that fits."""
    for lo_hold, hi_hold in holds:
        lo, hi = max(within[0], hi_hold - size), min(within[1] - size, lo_hold)
        if lo <= hi:
            return min(hi, max(lo, wanted))
    return within[0] + (within[1] - within[0] - size) / 2


def frame_count(photos: int, fps: int) -> int:
    """Frames of a story video: the title card, then each photo."""
    return round(TITLE_SECONDS * fps) + photos * round(PHOTO_SECONDS * fps)

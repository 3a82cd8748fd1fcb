"""Perceptual hashes for near-duplicates (bursts, re-saved copies). No Django."""

import imagehash
import numpy as np

# Hamming distance (of 64 bits) up to which two photos count as near-identical shots.
DUPLICATE_MAX_DISTANCE = 6


def phash(image) -> str:
    """64-bit DCT hash of a PIL image, as 16 hex characters."""
    return str(imagehash.phash(image))


def distances(value: str, others: list[str]) -> np.ndarray:
    """Hamming distances from one hash to many, vectorised."""
    if not others:
        return np.zeros(0, dtype=np.int64)
    mine = np.uint64(int(value, 16))
    theirs = np.array([int(o, 16) for o in others], dtype=np.uint64)
    xor = np.bitwise_xor(theirs, mine)
    return np.array([int(x).bit_count() for x in xor], dtype=np.int64)


def near(value: str, others: list[str], max_distance: int = DUPLICATE_MAX_DISTANCE) -> list[int]:
    """Indexes of `others` within `max_distance` of `value`."""
    return [int(i) for i in np.nonzero(distances(value, others) <= max_distance)[0]]

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


# Multi-index hashing: the 64 bits cut into CHUNKS chunks of 16, each stored in an indexed
# column. Two hashes within `max_distance` bits differ by at most max_distance // CHUNKS
# bits in at least one chunk (pigeonhole: were every chunk further apart, the total would
# exceed `max_distance`). So the candidates are the rows with one chunk among the few values
# that close to ours, found through the indexes: the lookup's cost follows the number of
# candidates, not the size of the library.
CHUNKS = 4
CHUNK_BITS = 64 // CHUNKS


def chunks(value: str) -> tuple[int, ...]:
    """The hash cut into CHUNKS integers of CHUNK_BITS bits, most significant first."""
    number = int(value, 16)
    mask = (1 << CHUNK_BITS) - 1
    return tuple((number >> (CHUNK_BITS * (CHUNKS - 1 - i))) & mask for i in range(CHUNKS))


def chunk_neighbours(chunk: int, radius: int) -> list[int]:
    """Every CHUNK_BITS-bit value within `radius` bits of `chunk`, `chunk` first."""
    found = [chunk]
    frontier = [(chunk, -1)]
    for _ in range(radius):
        # Flip bits in increasing position only, so that each value is made once.
        frontier = [
            (value ^ (1 << bit), bit)
            for value, last in frontier
            for bit in range(last + 1, CHUNK_BITS)
        ]
        found.extend(value for value, _ in frontier)
    return found


def candidate_chunks(value: str, max_distance: int = DUPLICATE_MAX_DISTANCE) -> list[list[int]]:
    """For each chunk, the values a hash within `max_distance` of `value` may have there
    (at least one chunk of such a hash is in its list)."""
    radius = max_distance // CHUNKS
    return [chunk_neighbours(chunk, radius) for chunk in chunks(value)]

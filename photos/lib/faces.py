"""Embedding maths for faces and people: no Django, only numpy and scikit-learn."""

import numpy as np


def to_bytes(embedding: np.ndarray) -> bytes:
    return np.asarray(embedding, dtype=np.float32).tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=np.float32)


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def stack(blobs) -> np.ndarray:
    """Many stored embeddings as one (n, dim) float32 matrix."""
    blobs = list(blobs)
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([from_bytes(b) for b in blobs])


def cosine_distances(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """1 - cosine similarity of each row of `matrix` to `vector`."""
    if len(matrix) == 0:
        return np.zeros(0, dtype=np.float32)
    return 1.0 - normalise(matrix) @ normalise(vector)


def nearest(
    centroids: np.ndarray, vector: np.ndarray, max_distance: float, excluded=()
) -> int | None:
    """Index of the closest centroid within `max_distance`, skipping `excluded` indexes."""
    distances = cosine_distances(centroids, vector)
    for index in excluded:
        distances[index] = np.inf
    if len(distances) == 0:
        return None
    best = int(np.argmin(distances))
    return best if distances[best] <= max_distance else None


def mean(embeddings: np.ndarray) -> np.ndarray:
    """A person's centroid: the normalised mean of its (normalised) member embeddings."""
    return normalise(np.asarray(embeddings, dtype=np.float32).mean(axis=0))


def neighbour_graph(embeddings: np.ndarray, eps: float, block: int = 1024):
    """Sparse matrix of the cosine distances that are at most `eps` (the only ones DBSCAN
    looks at), computed in float32 blocks: memory is block x n, never n x n."""
    from scipy.sparse import csr_matrix

    vectors = normalise(embeddings)
    count = len(vectors)
    rows, cols, values = [], [], []
    for start in range(0, count, block):
        distances = 1.0 - vectors[start : start + block] @ vectors.T
        r, c = np.nonzero(distances <= eps)
        rows.append(r + start)
        cols.append(c)
        # Stored zeros would be dropped as "no edge": a point's distance to itself is 0.
        values.append(np.maximum(distances[r, c], 1e-9))
    return csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
        shape=(count, count),
    )


def cluster(embeddings: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    """DBSCAN on cosine distance; label -1 is noise (a face that joins no group)."""
    from sklearn.cluster import DBSCAN

    if len(embeddings) == 0:
        return np.zeros(0, dtype=np.int64)
    graph = neighbour_graph(embeddings, eps)
    return DBSCAN(eps=eps, min_samples=min_samples, metric="precomputed").fit_predict(graph)


def pairwise_precision_recall(truth: list, predicted: list) -> tuple[float, float]:
    """Over all pairs of items: precision and recall of "same group" in `predicted` against
    `truth`. Items predicted as None belong to no group (never paired)."""
    same_true = same_pred = both = 0
    count = len(truth)
    for i in range(count):
        for j in range(i + 1, count):
            t = truth[i] == truth[j]
            p = predicted[i] is not None and predicted[i] == predicted[j]
            same_true += t
            same_pred += p
            both += t and p
    precision = both / same_pred if same_pred else 1.0
    recall = both / same_true if same_true else 1.0
    return precision, recall


def iou(a, b) -> float:
    """Overlap of two [x1, y1, x2, y2] boxes: intersection over union."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def split_cannot_link(
    embeddings: np.ndarray, members: list[int], keys: list, eps: float
) -> list[list[int]]:
    """Split one group so that no two members share a key (two faces of one photo are never
    one person). Members are taken most central first; each joins the nearest sub-group
    within `eps` that has no member with its key, or starts a new one."""
    vectors = normalise(embeddings[members])
    centre = normalise(vectors.mean(axis=0))
    order = np.argsort(1.0 - vectors @ centre, kind="stable")
    sums: list[np.ndarray] = []
    taken: list[set] = []
    groups: list[list[int]] = []
    for position in order:
        vector, key = vectors[position], keys[members[position]]
        best = None
        if sums:
            distances = 1.0 - normalise(np.vstack(sums)) @ vector
            for g in np.argsort(distances, kind="stable"):
                if distances[g] > eps:
                    break
                if key not in taken[g]:
                    best = int(g)
                    break
        if best is None:
            sums.append(vector.copy())
            taken.append({key})
            groups.append([members[position]])
        else:
            sums[best] += vector
            taken[best].add(key)
            groups[best].append(members[position])
    return groups


def cluster_constrained(
    embeddings: np.ndarray, eps: float, min_samples: int, keys: list, sources: list
) -> np.ndarray:
    """DBSCAN, then the cannot-link rule: a group holding two items with the same key (two
    faces of one photo, or of one video frame) is split, and a group must come from at
    least two sources (photos) and keep `min_samples` members; the rest is noise (-1)."""
    labels = cluster(embeddings, eps, min_samples)
    result = np.full(len(labels), -1, dtype=np.int64)
    next_label = 0
    for label in np.unique(labels):
        if label < 0:
            continue
        members = [int(i) for i in np.nonzero(labels == label)[0]]
        if len({keys[i] for i in members}) == len(members):
            groups = [members]
        else:
            groups = split_cannot_link(embeddings, members, keys, eps)
        for group in groups:
            if len(group) < min_samples or len({sources[i] for i in group}) < 2:
                continue
            result[group] = next_label
            next_label += 1
    return result


def import_clustering() -> None:
    """Import what `cluster` needs now rather than on its first call."""
    import scipy.sparse  # noqa: F401
    import sklearn.cluster  # noqa: F401

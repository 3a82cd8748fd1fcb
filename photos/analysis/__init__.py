"""The analysis pipeline: thumbnails, faces, scenes, quality and near-duplicates of a photo.

- `queue` hands photos to the worker (ensure steps, queue, retry, requeue skipped, sweep).
  Web code imports only this module and `steps` (declarations) and `progress`.
- `runner` runs a photo's steps on the worker: compute (models, no row written), write the
  step's files, then store everything in one transaction under the owner's lock.
- `steps` declares each step (name, consent scopes, compute and store); one module per step.

docs/analysis.md explains how to add a step.
"""

"""What photos announces to the apps above it (suggestions), which photos never imports.

Sent inside the transaction that made the change; receivers queue their own work with
`transaction.on_commit`.
"""

from django.dispatch import Signal

# The owner's analysis queue has drained (nothing pending or running). kwargs: user.
analysis_drained = Signal()

# Photos are about to be deleted; their rows still exist. kwargs: user, photo_ids (a list).
photos_deleting = Signal()

# A person is being forgotten; their faces and row still exist. kwargs: person, dry_run.
# With dry_run=True a receiver only counts what it would delete and returns a dict of
# counts (e.g. {"suggestions": 2}); otherwise it deletes it.
person_forgetting = Signal()


# Photos went to the trash (they still exist, restorable): whatever shows them elsewhere
# stops at once. kwargs: user, photo_ids (a list).
photos_trashed = Signal()

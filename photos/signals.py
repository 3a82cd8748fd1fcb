"""What photos announces to the apps above it (suggestions), which photos never imports.

Sent inside the transaction that made the change; receivers queue their own work with
`transaction.on_commit`.
"""

from django.dispatch import Signal

# The owner's analysis queue has drained (nothing pending or running). kwargs: user.
analysis_drained = Signal()

# Photos are about to be deleted; their rows still exist. kwargs: user, photo_ids (a list).
photos_deleting = Signal()


# Photos went to the trash (they still exist, restorable): whatever shows them elsewhere
# stops at once. kwargs: user, photo_ids (a list).
photos_trashed = Signal()

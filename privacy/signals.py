"""What privacy announces to the apps above it, which privacy never imports.

Sent inside the transaction that recorded the grant or revocation, with `send` (not
`send_robust`): a receiver that fails rolls the consent change back, so a revocation is
never recorded while the data it covers stays. Receivers queue their slow work with
`transaction.on_commit`.
"""

from django.dispatch import Signal

# The user granted `scope` (the current terms). kwargs: user, scope.
consent_granted = Signal()

# The user revoked `scope`; what used it must stop or go now. kwargs: user, scope.
consent_revoked = Signal()

"""The owner-scoped fetchers of exports and erasure jobs, used by the privacy page and the
API alike.

Anyone else's export or erasure id, and an id that is not one (project.lookups), is a 404.
"""

from privacy.models import ErasureJob, ExportJob
from project.lookups import get_or_404


def get_export_for_user(user, pk) -> ExportJob:
    return get_or_404(ExportJob.objects.filter(user=user), pk, "export")


def get_erasure_for_user(user, pk) -> ErasureJob:
    return get_or_404(ErasureJob.objects.filter(user=user), pk, "erasure")

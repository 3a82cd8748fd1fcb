"""The owner-scoped fetcher of exports, used by the privacy page and the API alike.

Anyone else's export id, and an id that is not one (project.lookups), is a 404.
"""

from privacy.models import ExportJob
from project.lookups import get_or_404


def get_export_for_user(user, pk) -> ExportJob:
    return get_or_404(ExportJob.objects.filter(user=user), pk, "export")

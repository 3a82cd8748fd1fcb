from celery import shared_task
from django.contrib.auth import get_user_model

from photos.models import AnalysisStatus


@shared_task(acks_late=True)
def generate_for_user(user_id: int, kinds: list[str] | None = None) -> int:
    """Generate suggestions for one user; consent is checked by the service when it runs."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    from suggestions import services

    return len(services.generate(user, kinds))


@shared_task
def generate_all(kinds: list[str] | None = None) -> int:
    """Beat entry point: one generation task per user who has analysed photos."""
    user_ids = (
        get_user_model()
        .objects.filter(is_active=True, photos__analysis_status=AnalysisStatus.DONE)
        .values_list("pk", flat=True)
        .distinct()
    )
    count = 0
    for user_id in user_ids:
        generate_for_user.delay(user_id, kinds)
        count += 1
    return count

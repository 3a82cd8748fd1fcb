from celery import shared_task

from photos.models import Photo


@shared_task(acks_late=True)
def analyse_photo(photo_id: int) -> None:
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        return
    from photos import derivatives

    derivatives.make_derivatives(photo)

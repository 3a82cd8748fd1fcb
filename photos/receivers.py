"""Photos' answers to privacy's consent signals (connected in PhotosConfig.ready()).

Both run inside the grant or revoke transaction; work for the worker is queued on commit.
"""

from django.dispatch import receiver
from django.utils import timezone

from accounts.models import DropEntry
from photos.analysis import queue as analysis_queue
from photos.analysis.steps import steps_needing
from photos.models import AnalysisStatus, AnalysisStep, Photo, PhotoText, Step
from photos.services import delete_face_data
from photos.signals import photos_deleting
from privacy.models import Scope
from privacy.records import forget_findings
from privacy.signals import consent_granted, consent_revoked


@receiver(consent_revoked, dispatch_uid="photos.forget_faces")
def forget_faces(sender, user, scope, **kwargs):
    """face_analysis revoked: every face, embedding, crop and person goes at once, not at
    the next job."""
    if scope != Scope.FACE_ANALYSIS:
        return
    delete_face_data(user)
    # The faces are gone: no photo page may still say they were found.
    AnalysisStep.objects.filter(
        photo__owner=user, step=Step.FACES, status=AnalysisStatus.DONE
    ).update(
        status=AnalysisStatus.SKIPPED,
        message="face_analysis was revoked; faces deleted.",
        updated_at=timezone.now(),
    )
    # Nor may the analysis log still say how many faces it found.
    forget_findings(user, [Step.FACES])


@receiver(consent_revoked, dispatch_uid="photos.forget_text")
def forget_text(sender, user, scope, **kwargs):
    """cloud_processing revoked: the text read in the photos (documents, cards, screens)
    goes at once, not with the retention purge that follows for the rest."""
    if scope != Scope.CLOUD_PROCESSING:
        return
    PhotoText.objects.for_owner(user).delete()
    AnalysisStep.objects.filter(
        photo__owner=user, step=Step.TEXT, status=AnalysisStatus.DONE
    ).update(
        status=AnalysisStatus.SKIPPED,
        message="cloud_processing was revoked; the text read was deleted.",
        updated_at=timezone.now(),
    )
    forget_findings(user, [Step.TEXT])


@receiver(consent_granted, dispatch_uid="photos.requeue_skipped")
def analyse_what_was_skipped(sender, user, scope, **kwargs):
    """Granting an analysis scope analyses the photos whose steps were skipped for lack of
    it (queued on commit; the worker checks consent again when it runs)."""
    steps = steps_needing(scope)
    if steps:
        analysis_queue.requeue_skipped(user, steps)


@receiver(photos_deleting, dispatch_uid="photos.forget_drop_names")
def forget_drop_names(sender, user, photo_ids, **kwargs):
    """A photo deleted for good takes its names in the WebDAV drop with it (photos/dav.py):
    no file name outlives the photo, and a sync app may put it again."""
    hashes = Photo.objects.filter(owner=user, pk__in=photo_ids).values("sha256")
    DropEntry.objects.for_owner(user).filter(is_folder=False, sha256__in=hashes).delete()

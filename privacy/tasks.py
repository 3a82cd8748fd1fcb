from celery import shared_task

from privacy.models import ExportJob, ExportStatus


@shared_task(acks_late=True)
def build_export(export_id: int) -> None:
    """The user's own request for their data: no processing consent is needed to run it."""
    from privacy import export

    job = ExportJob.objects.select_related("user").filter(pk=export_id).first()
    # Gone (account deleted), or taken or built by an earlier delivery of this message.
    if job is None or job.status != ExportStatus.PENDING:
        return
    export.build(job)


@shared_task
def purge_due() -> dict[str, int]:
    """Daily: purge cloud copies after the grace period, and expired export files."""
    from privacy import services

    return {"photos": services.purge_due(), "exports": services.expire_exports()}


@shared_task(acks_late=True)
def run_erasure(job_id: int) -> None:
    """A large "delete all my photos" or account deletion the user asked for."""
    from privacy import erasures
    from privacy.models import ErasureJob, ErasureStatus

    job = ErasureJob.objects.select_related("user").filter(pk=job_id).first()
    # Gone (the account went with it), or taken or finished by another delivery.
    if job is None or job.status != ErasureStatus.PENDING:
        return
    erasures.run(job)


@shared_task
def sweep_erasures() -> dict[str, int]:
    """Every few minutes: erasure jobs that no worker is on are queued again."""
    from privacy import erasures

    return erasures.sweep()


@shared_task
def sweep_exports() -> dict[str, int]:
    """Every few minutes: exports that no worker is on are queued again."""
    from privacy import export

    return export.sweep()


@shared_task
def sweep_unsent() -> dict[str, int]:
    """Every few minutes: tasks the broker refused (privacy.outbox) are sent again."""
    from privacy import outbox

    return outbox.sweep()

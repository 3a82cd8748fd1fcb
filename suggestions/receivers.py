"""Suggestions' answers to what privacy and photos announce (connected in
SuggestionsConfig.ready()), so that neither of them imports suggestions."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from photos.signals import analysis_drained, photos_deleting, photos_trashed
from privacy.signals import consent_revoked
from suggestions import services, stories, tasks
from suggestions.models import StoryVideo


@receiver(consent_revoked, dispatch_uid="suggestions.withdraw")
def withdraw(sender, user, scope, **kwargs):
    """What used the revoked scope goes now, inside the revocation's transaction."""
    services.withdraw_for_scope(user, scope)
    stories.withdraw_videos(user, scope)


@receiver(photos_deleting, dispatch_uid="suggestions.forget_renders")
def forget_renders(sender, user, photo_ids, **kwargs):
    services.forget_renders_of(user, photo_ids)
    stories.forget_videos_of(user, photo_ids)


@receiver(post_delete, sender=StoryVideo, dispatch_uid="suggestions.video_file")
def delete_video_file(sender, instance, **kwargs):
    """However the row goes (the video erased, its suggestion dismissed, withdrawn or
    erased), its MP4 goes after the commit."""
    stories.delete_file_of(instance)


@receiver(photos_trashed, dispatch_uid="suggestions.leave_trashed")
def leave_trashed(sender, user, photo_ids, **kwargs):
    # A video shows its photos in every frame: it goes (rendered again on request), found
    # through the links that leave_trashed removes.
    stories.forget_videos_of(user, photo_ids)
    services.leave_trashed(user, photo_ids)


@receiver(analysis_drained, dispatch_uid="suggestions.generate")
def generate_when_drained(sender, user, **kwargs):
    """The owner's photos are analysed: propose suggestions, once the results are committed
    (the task checks consent again when it runs)."""
    user_id = user.pk
    transaction.on_commit(lambda: tasks.generate_for_user.delay(user_id))

"""Make a user a moderator (or stop them being one): staff, in the Moderators group, and
nothing more. Superuser rights are for `createsuperuser`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

GROUP = "Moderators"


class Command(BaseCommand):
    help = (
        "Make USERNAME a moderator: staff status and the Moderators group, which sees "
        "accounts and logs in the admin but never photo contents. --remove undoes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--remove", action="store_true", help="Take the moderator rights away again."
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would change.")

    @transaction.atomic
    def handle(self, username, remove, dry_run, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        group = Group.objects.filter(name=GROUP).first()
        if group is None:
            raise CommandError(f"The {GROUP} group is missing: run `manage.py migrate` first.")
        if remove:
            verb = f"{username} is no longer a moderator"
            if not dry_run:
                user.groups.remove(group)
                if not user.is_superuser:
                    user.is_staff = False
                    user.save(update_fields=["is_staff"])
        else:
            verb = f"{username} is now a moderator (staff, {GROUP} group)"
            if not dry_run:
                user.groups.add(group)
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        self.stdout.write(("Would do: " if dry_run else "") + verb + ".")

#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    # The embedded defaults keep SQLite, the broker and media under var/; create it on a
    # fresh clone so the first `migrate` works.
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    from project.celery import ensure_broker_folders

    ensure_broker_folders()

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

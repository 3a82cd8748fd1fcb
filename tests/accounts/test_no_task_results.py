"""Task results are not kept: no results backend, and accounts migration 0004 drops the
tables django_celery_results left (task rows with user ids in them) on SQLite and
PostgreSQL, with their permissions."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

drop = importlib.import_module("accounts.migrations.0004_drop_celery_results")


def test_it_stores_no_task_results():
    from project.celery import app

    assert "django_celery_results" not in settings.INSTALLED_APPS
    assert settings.CELERY_RESULT_BACKEND is None
    assert app.conf.result_backend is None
    assert app.conf.task_ignore_result is True


def test_it_is_not_a_requirement_any_more():
    requirements = (settings.BASE_DIR / "requirements.txt").read_text()
    assert "django-celery-results" not in requirements


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_drops_the_results_tables_and_their_permissions():
    # What an install from before left: the tables with a row in them, the permission.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE django_celery_results_taskresult "
            "(id integer PRIMARY KEY, task_id varchar(255), task_args text)"
        )
        cursor.execute("INSERT INTO django_celery_results_taskresult VALUES (1, 'x', '(42,)')")
        cursor.execute("CREATE TABLE django_celery_results_chordcounter (id integer)")
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('django_celery_results', '0001_initial', CURRENT_TIMESTAMP)"
        )
    content_type = ContentType.objects.create(app_label="django_celery_results", model="taskresult")
    permission = Permission.objects.create(
        content_type=content_type, codename="view_taskresult", name="Can view task result"
    )
    Group.objects.get(name="Moderators").permissions.add(permission)

    with connection.schema_editor() as editor:
        drop.drop_results(global_apps, editor)

    tables = connection.introspection.table_names()
    assert not [t for t in tables if t.startswith("django_celery_results")]
    assert not Permission.objects.filter(codename="view_taskresult").exists()
    assert not ContentType.objects.filter(app_label="django_celery_results").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'django_celery_results'")
        assert cursor.fetchone()[0] == 0
    # Run again where there is nothing: nothing happens.
    with connection.schema_editor() as editor:
        drop.drop_results(global_apps, editor)

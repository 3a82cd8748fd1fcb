"""Celery results are no longer stored (CELERY_RESULT_BACKEND is None): drop the tables
django_celery_results left, with the task rows and user ids in them, and its content types
and permissions (moderators could read them). On SQLite and PostgreSQL alike; nothing to do
where the app was never installed."""

from django.db import migrations

APP = "django_celery_results"


def drop_results(apps, schema_editor):
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    cascade = " CASCADE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    for table in sorted(t for t in tables if t.startswith(APP + "_")):
        schema_editor.execute(f"DROP TABLE IF EXISTS {quote(table)}{cascade}")
    # The permissions go with their content types (and out of the Moderators group).
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label=APP).delete()
    # So that installing the app again would create its tables again.
    migration_table = "django_migrations"
    if migration_table in tables:
        schema_editor.execute(f"DELETE FROM {quote(migration_table)} WHERE app = %s", [APP])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_device_revoked_reason"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(drop_results, migrations.RunPython.noop)]

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Moderators already read the consent ledger and the processing log (accounts 0002); they
# also read who accessed which user's data, and the retention choices. Never write.
PERMISSIONS = ["view_accesslog", "view_retentionrequest"]


def add(apps, schema_editor):
    app_config = apps.get_app_config("privacy")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    if group is None:
        return
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="privacy", codename__in=PERMISSIONS)
    )


def remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="privacy", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0002_initial_terms"),
        ("accounts", "0002_moderators_group"),
    ]
    operations = [migrations.RunPython(add, remove)]

from django.db import migrations

from accounts.migrations_helpers import grant


def grant_permissions(apps, schema_editor):
    # Officials set targets (the issue gives them that) and staff help them; both through the
    # portal's target page. Nobody deletes a target: a new value replaces it and history keeps it.
    perms = ["recovery.view_target", "recovery.add_target", "recovery.change_target"]
    grant(apps, {"Staf Disnakerin": perms, "Pejabat Kota": perms})


class Migration(migrations.Migration):
    dependencies = [("recovery", "0003_target"), ("accounts", "0002_roles")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]

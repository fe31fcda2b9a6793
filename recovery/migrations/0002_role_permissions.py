from django.db import migrations

from accounts.migrations_helpers import grant


def grant_permissions(apps, schema_editor):
    # Staff read every report in the admin and approve there; reports are written through the
    # portal's form (its checks and warnings), so the admin offers no add or delete.
    grant(apps, {"Staf Disnakerin": ["recovery.view_monthlyreport", "recovery.change_monthlyreport"]})


class Migration(migrations.Migration):
    dependencies = [("recovery", "0001_initial"), ("accounts", "0002_roles")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]

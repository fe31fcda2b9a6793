from django.db import migrations

from accounts.migrations_helpers import grant

CRUD = ["add", "change", "delete", "view"]


def grant_permissions(apps, schema_editor):
    staff = [f"businesses.{action}_{model}" for model in ("business", "owner", "certification", "changerequest", "duplicateflag") for action in CRUD]
    staff += [f"businesses.view_{model}" for model in ("kecamatan", "kelurahan", "kbli", "marketplace")]
    staff += ["notifications.view_message"]
    grant(apps, {
        "Staf Disnakerin": staff,
        # Officials read figures and business names; they have no model permission to edit.
        "Pejabat Kota": [],
        "Pemeriksa NIK": ["businesses.view_full_nik"],
    })


class Migration(migrations.Migration):
    dependencies = [("businesses", "0001_initial"), ("accounts", "0002_roles"), ("notifications", "0001_initial")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]

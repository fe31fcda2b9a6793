from django.db import migrations

from accounts.migrations_helpers import grant


def grant_permissions(apps, schema_editor):
    # Staff handle owners' deletion requests (erase or refuse); nobody adds or deletes one by hand.
    grant(apps, {"Staf Disnakerin": ["businesses.view_deletionrequest", "businesses.change_deletionrequest"]})


class Migration(migrations.Migration):
    dependencies = [("businesses", "0010_owner_consent_withdrawn_deletion_request"), ("accounts", "0002_roles")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]

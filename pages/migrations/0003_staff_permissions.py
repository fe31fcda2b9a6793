from django.db import migrations

from accounts.migrations_helpers import grant


def grant_permissions(apps, schema_editor):
    # Staff keep the help, contact, privacy and terms texts current; nobody adds or deletes a page.
    grant(apps, {"Staf Disnakerin": ["pages.view_page", "pages.change_page"]})


class Migration(migrations.Migration):
    dependencies = [("pages", "0002_default_pages"), ("accounts", "0002_roles")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]

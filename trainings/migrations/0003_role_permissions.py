from django.db import migrations

from accounts.migrations_helpers import grant


def grant_permissions(apps, schema_editor):
    # Staff run sessions in the admin; registrations change only through the portal's services,
    # so staff read them there (the roster, moves and additions come with the roster slice).
    staff = [f"trainings.{action}_{model}" for model in ("topic", "trainingsession") for action in ("add", "change", "view")]
    staff += ["trainings.view_registration"]
    grant(apps, {"Staf Disnakerin": staff})


class Migration(migrations.Migration):
    dependencies = [("trainings", "0002_seed_topics"), ("businesses", "0002_role_permissions")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]

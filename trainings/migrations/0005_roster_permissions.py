from django.db import migrations

from accounts.migrations_helpers import grant


def grant_permissions(apps, schema_editor):
    # Staff keep the roster (add, move, take attendance) and read certificates and feedback;
    # certificates are issued by the background job, feedback is written by owners only.
    staff = ["trainings.add_registration", "trainings.change_registration"]
    staff += [f"trainings.{action}_attendance" for action in ("add", "change", "view", "delete")]
    staff += ["trainings.view_certificate", "trainings.view_feedback"]
    grant(apps, {"Staf Disnakerin": staff})


class Migration(migrations.Migration):
    dependencies = [("trainings", "0004_attendance_certificates_feedback")]
    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]

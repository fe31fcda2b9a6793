"""The portal's roles as groups. Each app grants its own permissions to them in its migrations."""

from django.db import migrations

GROUPS = ["Staf Disnakerin", "Pejabat Kota", "Pemilik IKM", "Pemeriksa NIK"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, remove_groups)]

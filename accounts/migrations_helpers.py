"""Used by data migrations of every app to give a role its permissions, idempotently."""

from django.contrib.auth.management import create_permissions


def grant(apps, grants: dict[str, list[str]]) -> None:
    """``grants`` maps a group name to ``app_label.codename`` permissions."""
    # Permissions are normally created after all migrations ran; make this app's exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, perms in grants.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))

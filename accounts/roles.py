"""The portal's roles. Each is a group created by migration; permissions decide access."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staf", _("Staf Disnakerin")
    OFFICIAL = "pejabat", _("Pejabat Kota")
    OWNER = "pemilik", _("Pemilik IKM")


# Group names are stable identifiers (the migrations create them); never rename one in place.
GROUP_NAMES = {
    Role.STAFF: "Staf Disnakerin",
    Role.OFFICIAL: "Pejabat Kota",
    Role.OWNER: "Pemilik IKM",
}
# Staff who verify identities may see a full NIK: a group of its own, given on top of staff.
NIK_VIEWER_GROUP = "Pemeriksa NIK"


def role_of(user) -> Role | None:
    """The user's role, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_portal_role", False)
    if cached is not False:
        return cached
    if user.is_superuser:
        role = Role.STAFF
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = next((r for r in (Role.STAFF, Role.OFFICIAL, Role.OWNER) if GROUP_NAMES[r] in names), None)
    user._portal_role = role
    return role

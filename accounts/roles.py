"""The portal's roles. Each is a group created by migration; permissions decide access."""

from django.db import models
from django.db.models import Case, OuterRef, Subquery, Value, When
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


# The order in which a role wins when a user is in several groups.
_PRECEDENCE = (Role.STAFF, Role.OFFICIAL, Role.OWNER)


def role_annotation() -> Subquery:
    """The name of the group that decides the user's role, as a column of a User query: the
    session's user is read with it (accounts.backends), one query where role_of took a second."""
    from django.contrib.auth.models import Group

    rank = Case(*(When(name=GROUP_NAMES[r], then=Value(n)) for n, r in enumerate(_PRECEDENCE)))
    groups = Group.objects.filter(user=OuterRef("pk"), name__in=[GROUP_NAMES[r] for r in _PRECEDENCE])
    return Subquery(groups.order_by(rank).values("name")[:1])


def role_from_annotation(user, group_name: str | None) -> None:
    """Keep on ``user`` the role ``role_annotation`` read, as role_of would have found it."""
    user._portal_role = Role.STAFF if user.is_superuser else next((r for r in _PRECEDENCE if GROUP_NAMES[r] == group_name), None)


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
        role = next((r for r in _PRECEDENCE if GROUP_NAMES[r] in names), None)
    user._portal_role = role
    return role

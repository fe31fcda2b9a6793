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


# The order in which a role wins when a user is in several groups.
_PRECEDENCE = (Role.STAFF, Role.OFFICIAL, Role.OWNER)


def role_group_sql(user_alias: str) -> tuple[str, list[str]]:
    """A scalar subquery, with its parameters, naming the group that decides the role of the user
    row ``user_alias`` of a SQL statement: the session's user is read with it
    (accounts.backends), one query where role_of took a second. Plain SQL, portable to SQLite:
    through the ORM the same subquery cost more CPU to compile than the two queries it joins."""
    from django.contrib.auth.models import Group
    from django.db import connection

    from .models import User

    quote = connection.ops.quote_name
    through = User.groups.through._meta
    user_column = quote(through.get_field("user").column)
    group_column = quote(through.get_field("group").column)
    names = [GROUP_NAMES[r] for r in _PRECEDENCE]
    ranks = " ".join("WHEN %s THEN " + str(n) for n in range(len(names)))
    group_table, through_table, user_pk = quote(Group._meta.db_table), quote(through.db_table), quote(User._meta.pk.column)
    placeholders = ", ".join(["%s"] * len(names))
    # Table and column names from model meta, values bound.
    select = f"SELECT g.name FROM {group_table} g JOIN {through_table} m ON m.{group_column} = g.id"  # nosec B608
    where = f"WHERE m.{user_column} = {user_alias}.{user_pk} AND g.name IN ({placeholders})"
    sql = f"({select} {where} ORDER BY CASE g.name {ranks} END LIMIT 1)"
    return sql, [*names, *names]


def _role_from_groups(user, names) -> Role | None:
    if user.is_superuser:
        return Role.STAFF
    return next((r for r in _PRECEDENCE if GROUP_NAMES[r] in names), None)


def role_from_group_name(user, group_name: str | None) -> None:
    """Keep on ``user`` the role read by ``role_group_sql`` (its group's name), as role_of would
    have found it."""
    user._portal_role = _role_from_groups(user, {group_name})


def role_of(user) -> Role | None:
    """The user's role, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_portal_role", False)
    if cached is not False:
        return cached
    names = () if user.is_superuser else set(user.groups.values_list("name", flat=True))
    role = user._portal_role = _role_from_groups(user, names)
    return role

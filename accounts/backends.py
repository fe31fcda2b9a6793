from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection

from .identifiers import email_normalize_or_none, identifier_text, phone_normalize_or_none
from .roles import role_from_group_name, role_group_sql


def account_for(identifier) -> "get_user_model() | None":
    """The account an identifier names, matched on its normalised form only (accounts.identifiers).

    Never email__iexact: that is PostgreSQL's UPPER() on both sides, which also folds look-alikes
    (UPPER('ı') = 'I'), so ``pemılık@…`` signed in as ``pemilik@…`` with a counter of its own.
    Stored emails are already normalised (lower case, ASCII), so an exact match is the rule.
    """
    text = identifier_text(identifier)
    if not text:
        return None
    if "@" in text:
        email = email_normalize_or_none(text)
        lookup = {"email": email} if email else None
    else:
        phone = phone_normalize_or_none(text)
        lookup = {"phone": phone} if phone else None
    return get_user_model().objects.filter(**lookup).first() if lookup else None


class EmailOrPhoneBackend(ModelBackend):
    """Sign in with an email address or a WhatsApp number, written any common way."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        identifier = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not identifier_text(identifier) or password is None:
            return None
        user = account_for(identifier)
        if user is None:
            # Same work as a real check, so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The session's user, with their role (accounts.roles.role_of) read in the same query.

        Every signed-in request reads both. Through the ORM they were two queries and 1.2 ms of
        CPU, mostly compiling them; this statement is written once per process, and reading the
        user through it costs 0.3 ms."""
        User = get_user_model()
        sql, params = _user_with_role_sql()
        user = next(iter(User._default_manager.raw(sql, [*params, user_id])), None)
        if user is None:
            return None
        role_from_group_name(user, user.portal_role_group)
        return user if self.user_can_authenticate(user) else None


@cache
def _user_with_role_sql() -> tuple[str, list[str]]:
    User = get_user_model()
    quote = connection.ops.quote_name
    role, params = role_group_sql("u")
    pk = quote(User._meta.pk.column)
    # Table and column names from model meta, values bound.
    return f"SELECT u.*, {role} AS portal_role_group FROM {quote(User._meta.db_table)} u WHERE u.{pk} = %s", params  # nosec B608

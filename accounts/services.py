from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .roles import GROUP_NAMES, Role


@transaction.atomic
def user_create(
    *,
    full_name: str,
    password: str | None,
    role: Role,
    email: str | None = None,
    phone: str | None = None,
    is_staff: bool = False,
    extra_groups: tuple[str, ...] = (),
):
    """Create a user in one role. ``phone`` must already be normalised (accounts.phone)."""
    user = get_user_model().objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        phone=phone,
        is_staff=is_staff or role == Role.STAFF,
    )
    names = [GROUP_NAMES[role], *extra_groups]
    user.groups.set(Group.objects.filter(name__in=names))
    return user

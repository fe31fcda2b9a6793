from .roles import Role, role_of


def role(request):
    current = role_of(request.user) if hasattr(request, "user") else None
    return {
        "role": current,
        "is_staff_role": current == Role.STAFF,
        "is_official_role": current == Role.OFFICIAL,
        "is_owner_role": current == Role.OWNER,
    }

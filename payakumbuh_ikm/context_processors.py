from django.conf import settings


def office(request):
    """The office's name, from its one setting."""
    return {"OFFICE_NAME": settings.OFFICE_NAME}

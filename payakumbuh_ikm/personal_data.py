"""An owner's own data in one file (UU 27/2022 on personal data protection gives the right to
obtain it). Lives at the project level because it gathers from every app; each app's models
are read only for the signed-in owner's own rows."""

import json

from django.contrib.auth import get_user_model
from django.core.serializers import serialize
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.decorators import role_required
from accounts.roles import Role
from businesses.models import Business, Certification, Owner
from recovery.models import MonthlyReport
from trainings.models import Attendance, Certificate, Feedback, Registration

# What of the account itself goes in: never the password hash or permission flags.
USER_FIELDS = ("full_name", "email", "phone", "date_joined", "last_login")


def _rows(queryset, fields=None, exclude=()) -> list[dict]:
    rows = json.loads(serialize("json", queryset, fields=fields))
    return [{"id": row["pk"], **{k: v for k, v in row["fields"].items() if k not in exclude}} for row in rows]


def personal_data_of(user) -> dict:
    owners = Owner.objects.filter(user=user)
    businesses = Business.objects.filter(owner__in=owners)
    registrations = Registration.objects.filter(business__in=businesses)
    return {
        "dibuat": timezone.now(),
        "akun": _rows(get_user_model().objects.filter(pk=user.pk), fields=USER_FIELDS)[0],
        "pemilik": _rows(owners, exclude=("nik_hash", "user")),
        "usaha": _rows(businesses),
        "sertifikasi": _rows(Certification.objects.filter(business__in=businesses)),
        "pendaftaran_pelatihan": _rows(registrations, exclude=("created_by",)),
        "kehadiran": _rows(Attendance.objects.filter(registration__in=registrations), exclude=("checked_in_by",)),
        "sertifikat_pelatihan": _rows(Certificate.objects.filter(registration__in=registrations)),
        "umpan_balik": _rows(Feedback.objects.filter(registration__in=registrations)),
        "laporan_bulanan": _rows(MonthlyReport.objects.filter(business__in=businesses), exclude=("submitted_by", "reviewed_by")),
    }


@never_cache
@require_GET
@role_required(Role.OWNER)
def my_data(request):
    """Everything the portal holds about the signed-in owner, as a JSON download."""
    body = json.dumps(personal_data_of(request.user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="data-saya-{timezone.localdate():%Y-%m-%d}.json"'
    return response

"""An owner's own data in one file (UU 27/2022 on personal data protection gives the right to
obtain it). Lives at the project level because it gathers from every app; each app's models
are read only for the signed-in owner's own rows."""

import json

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
from trainings.models import Registration

# What of the account itself goes in: never the password hash or permission flags.
USER_FIELDS = ("full_name", "email", "phone", "date_joined", "last_login")


def _rows(queryset, fields=None, exclude=()) -> list[dict]:
    rows = json.loads(serialize("json", queryset, fields=fields))
    return [{"id": row["pk"], **{k: v for k, v in row["fields"].items() if k not in exclude}} for row in rows]


def _related(registrations: list, name: str) -> list:
    """The registrations' one-to-one rows of ``name`` (attendance, certificate, feedback), read
    with them in one query rather than one query each."""
    return [getattr(r, name) for r in registrations if hasattr(r, name)]


def personal_data_of(user) -> dict:
    owners = Owner.objects.filter(user=user)
    businesses = Business.objects.filter(owner__in=owners)
    registrations = list(
        Registration.objects.filter(business__in=businesses).select_related("attendance", "certificate", "feedback")
    )
    return {
        "dibuat": timezone.now(),
        "akun": _rows([user], fields=USER_FIELDS)[0],
        "pemilik": _rows(owners, exclude=("nik_hash", "user")),
        # The marketplaces in one query, not one per business.
        "usaha": _rows(businesses.prefetch_related("marketplaces")),
        "sertifikasi": _rows(Certification.objects.filter(business__in=businesses)),
        "pendaftaran_pelatihan": _rows(registrations, exclude=("created_by",)),
        "kehadiran": _rows(_related(registrations, "attendance"), exclude=("checked_in_by",)),
        "sertifikat_pelatihan": _rows(_related(registrations, "certificate")),
        "umpan_balik": _rows(_related(registrations, "feedback")),
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

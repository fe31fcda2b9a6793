"""Every recovery page requested as every role, and every id-taking URL tried with another
owner's id: 200 (or a redirect after a POST), a redirect to sign-in, 403 (wrong role) or 404
(an owner asking for someone else's business or report learns nothing)."""

import pytest
from django.urls import reverse

from recovery.models import MonthlyReport, ReportStatus, Target

from .factories import MonthlyReportFactory

pytestmark = pytest.mark.django_db

LOGIN = "login"

# (url name, what the id is, method) -> expected answer per role
MATRIX = {
    ("recovery:mine", None, "get"): {"anonymous": LOGIN, "owner": 200, "staff": 403, "official": 403},
    ("recovery:business", "business", "get"): {
        "anonymous": LOGIN,
        "owner": 200,
        "staff": 200,
        "official": 200,
        "other_owner": 404,
    },
    ("recovery:report-form", "business", "get"): {
        "anonymous": LOGIN,
        "owner": 200,
        "staff": 200,
        "official": 403,
        "other_owner": 404,
    },
    ("recovery:report-form", "business", "post"): {
        "anonymous": LOGIN,
        "owner": 200,
        "staff": 200,
        "official": 403,
        "other_owner": 404,
    },
    ("recovery:report-detail", "report", "get"): {
        "anonymous": LOGIN,
        "owner": 200,
        "staff": 200,
        "official": 200,
        "other_owner": 404,
    },
    ("recovery:report-approve", "report", "post"): {
        "anonymous": LOGIN,
        "owner": 403,
        "staff": 302,
        "official": 403,
        "other_owner": 403,
    },
    ("recovery:report-return", "report", "post"): {
        "anonymous": LOGIN,
        "owner": 403,
        "staff": 302,
        "official": 403,
        "other_owner": 403,
    },
    ("recovery:completeness", None, "get"): {"anonymous": LOGIN, "owner": 403, "staff": 200, "official": 403},
    ("recovery:figures", None, "get"): {"anonymous": LOGIN, "owner": 403, "staff": 200, "official": 200},
    ("recovery:dashboard", None, "get"): {"anonymous": LOGIN, "owner": 403, "staff": 200, "official": 200},
    ("recovery:dashboard-export", "csv", "get"): {"anonymous": LOGIN, "owner": 403, "staff": 200, "official": 200},
    ("recovery:dashboard-export", "xlsx", "get"): {"anonymous": LOGIN, "owner": 403, "staff": 200, "official": 200},
    ("recovery:targets", None, "get"): {"anonymous": LOGIN, "owner": 403, "staff": 200, "official": 200},
    # An invalid form comes back with its errors (200); a valid one is tested with the targets.
    ("recovery:targets", None, "post"): {"anonymous": LOGIN, "owner": 403, "staff": 200, "official": 200},
    ("admin:recovery_target_changelist", None, "get"): {
        "anonymous": LOGIN,
        "owner": LOGIN,
        "staff": 200,
        "official": LOGIN,
    },
    ("admin:recovery_monthlyreport_changelist", None, "get"): {
        "anonymous": LOGIN,
        "owner": LOGIN,
        "staff": 200,
        "official": LOGIN,
    },
    ("admin:recovery_monthlyreport_change", "report", "get"): {
        "anonymous": LOGIN,
        "owner": LOGIN,
        "staff": 200,
        "official": LOGIN,
    },
}


@pytest.fixture
def world(verified_business, other_verified_business, staff, official):
    mine = MonthlyReportFactory(business=verified_business)
    theirs = MonthlyReportFactory(business=other_verified_business)
    return {
        "users": {
            "anonymous": None,
            "owner": verified_business.owner.user,
            "other_owner": verified_business.owner.user,
            "staff": staff,
            "official": official,
        },
        "business": (verified_business, other_verified_business),
        "report": (mine, theirs),
        "csv": ("csv", "csv"),
        "xlsx": ("xlsx", "xlsx"),
    }


CASES = [
    (name, kind, method, role, expected) for (name, kind, method), answers in MATRIX.items() for role, expected in answers.items()
]


@pytest.mark.parametrize(("name", "kind", "method", "role", "expected"), CASES, ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CASES])
def test_every_page_answers_each_role_as_the_table_says(client, world, name, kind, method, role, expected):
    if world["users"][role]:
        client.force_login(world["users"][role])
    target = world[kind][1 if role == "other_owner" else 0] if kind else None
    args = [getattr(target, "pk", target)] if kind else []
    url = reverse(name, args=args)
    response = client.post(url, {"note": "Periksa lagi"}) if method == "post" else client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302 and ("login" in response.url or "masuk" in response.url)
    else:
        assert response.status_code == expected


def test_no_target_is_set_by_an_owner_or_anonymously(client, world):
    data = {"measure": "share_online", "period": "2026-12", "value": "50"}
    client.post(reverse("recovery:targets"), data)
    client.force_login(world["users"]["owner"])
    assert client.post(reverse("recovery:targets"), data).status_code == 403
    assert not Target.objects.exists()


def test_an_unknown_export_format_is_not_found(client, world):
    client.force_login(world["users"]["official"])
    assert client.get(reverse("recovery:dashboard-export", args=["pdf"])).status_code == 404


def test_another_owners_report_is_never_changed(client, world):
    client.force_login(world["users"]["owner"])
    theirs = world["report"][1]
    client.post(reverse("recovery:report-form", args=[theirs.business_id]), {"turnover": "1"})
    client.post(reverse("recovery:report-approve", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.turnover == 12_000_000 and theirs.status == ReportStatus.SUBMITTED


def test_officials_read_figures_but_see_no_contacts_or_nik(client, world):
    client.force_login(world["users"]["official"])
    business = world["business"][0]
    for url in (
        reverse("recovery:business", args=[business.pk]),
        reverse("recovery:report-detail", args=[world["report"][0].pk]),
    ):
        page = client.get(url).content.decode()
        assert business.owner.phone not in page and business.owner.nik not in page and business.owner.nik_masked not in page
        assert reverse("recovery:report-form", args=[business.pk]) not in page
        assert "Setujui" not in page


def test_staff_pages_show_approve_only_while_submitted(client, world):
    client.force_login(world["users"]["staff"])
    report = world["report"][0]
    assert "Setujui dan kunci" in client.get(reverse("recovery:report-detail", args=[report.pk])).content.decode()
    MonthlyReport.objects.filter(pk=report.pk).update(status=ReportStatus.APPROVED)
    page = client.get(reverse("recovery:report-detail", args=[report.pk])).content.decode()
    assert "Setujui dan kunci" not in page and "Ubah laporan" not in page

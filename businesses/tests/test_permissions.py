"""Every page of the registry, requested as every role; and every id-taking URL tried with
another owner's id. Expected answers: 200, a redirect to sign-in, 403 (wrong role) or 404
(an owner asking for someone else's business learns nothing)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from .factories import BusinessFactory, CertificationFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "login"

# (url name, needs the object's id) -> expected answer per role
MATRIX = {
    ("businesses:signup", False): {"anonymous": 200, "owner": 302, "staff": 302, "official": 302},
    ("businesses:mine", False): {"anonymous": LOGIN, "owner": 200, "staff": 403, "official": 403},
    ("businesses:new", False): {"anonymous": LOGIN, "owner": 200, "staff": 403, "official": 403},
    ("businesses:list", False): {"anonymous": LOGIN, "owner": 403, "staff": 200, "official": 200},
    ("businesses:summary", False): {"anonymous": LOGIN, "owner": 403, "staff": 200, "official": 200},
    ("businesses:detail", True): {"anonymous": LOGIN, "owner": 200, "staff": 200, "official": 200, "other_owner": 404},
    ("businesses:edit", True): {"anonymous": LOGIN, "owner": 200, "staff": 403, "official": 403, "other_owner": 404},
    ("businesses:certification-add", True): {"anonymous": LOGIN, "owner": 200, "staff": 200, "official": 403, "other_owner": 404},
    ("businesses:certification-document", "cert"): {
        "anonymous": LOGIN,
        "owner": 200,
        "staff": 200,
        "official": 403,
        "other_owner": 404,
    },
    ("admin:index", False): {"anonymous": LOGIN, "owner": LOGIN, "staff": 200, "official": LOGIN},
    ("admin:businesses_business_changelist", False): {"anonymous": LOGIN, "owner": LOGIN, "staff": 200, "official": LOGIN},
    ("admin:businesses_owner_changelist", False): {"anonymous": LOGIN, "owner": LOGIN, "staff": 200, "official": LOGIN},
    ("admin:businesses_business_import", False): {"anonymous": LOGIN, "owner": LOGIN, "staff": 200, "official": LOGIN},
    ("admin:businesses_business_export", False): {"anonymous": LOGIN, "owner": LOGIN, "staff": 200, "official": LOGIN},
    ("admin:businesses_business_import_template", False): {"anonymous": LOGIN, "owner": LOGIN, "staff": 200, "official": LOGIN},
    ("admin:businesses_changerequest_changelist", False): {"anonymous": LOGIN, "owner": LOGIN, "staff": 200, "official": LOGIN},
    ("admin:notifications_message_changelist", False): {"anonymous": LOGIN, "owner": LOGIN, "staff": 200, "official": LOGIN},
    ("admin:businesses_business_change", True): {"anonymous": LOGIN, "owner": LOGIN, "staff": 200, "official": LOGIN},
    ("accounts:home", False): {"anonymous": LOGIN, "owner": 302, "staff": 302, "official": 302},
    ("home", False): {"anonymous": 200, "owner": 200, "staff": 200, "official": 200},
    ("accounts:login", False): {"anonymous": 200, "owner": 302, "staff": 302, "official": 302},
    ("accounts:password_reset", False): {"anonymous": 200, "owner": 200, "staff": 200, "official": 200},
}


@pytest.fixture
def world(reference, staff, official):
    mine = BusinessFactory()
    theirs = BusinessFactory()
    certificate = CertificationFactory(business=mine)
    certificate.document.save("pirt.pdf", ContentFile(b"%PDF-1.4 demo"))
    other_certificate = CertificationFactory(business=theirs)
    other_certificate.document.save("pirt.pdf", ContentFile(b"%PDF-1.4 demo"))
    return {
        "users": {
            "anonymous": None,
            "owner": mine.owner.user,
            "other_owner": mine.owner.user,
            "staff": staff,
            "official": official,
        },
        "mine": mine,
        "theirs": theirs,
        "cert": certificate,
        "other_cert": other_certificate,
    }


CASES = [(name, needs_id, role, expected) for (name, needs_id), answers in MATRIX.items() for role, expected in answers.items()]


@pytest.mark.parametrize(("name", "needs_id", "role", "expected"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_every_page_answers_each_role_as_the_table_says(client, world, name, needs_id, role, expected):
    if world["users"][role]:
        client.force_login(world["users"][role])
    args = []
    if needs_id == "cert":
        args = [(world["other_cert"] if role == "other_owner" else world["cert"]).pk]
    elif needs_id:
        args = [(world["theirs"] if role == "other_owner" else world["mine"]).pk]
    response = client.get(reverse(name, args=args))
    if expected == LOGIN:
        assert response.status_code == 302 and ("login" in response.url or "masuk" in response.url)
    else:
        assert response.status_code == expected


def test_owner_cannot_post_to_another_owners_business(client, world):
    client.force_login(world["users"]["owner"])
    theirs = world["theirs"]
    assert client.post(reverse("businesses:edit", args=[theirs.pk]), {"name": "Dibajak"}).status_code == 404
    assert client.post(reverse("businesses:certification-add", args=[theirs.pk]), {}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name != "Dibajak"


def test_user_without_role_sees_no_business(client, world):
    client.force_login(UserFactory())
    assert client.get(reverse("businesses:detail", args=[world["mine"].pk])).status_code == 403

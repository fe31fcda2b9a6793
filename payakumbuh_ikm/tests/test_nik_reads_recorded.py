"""Every full NIK a person is shown leaves a row in the trail (accounts.AuditEvent), wherever it
is shown: the portal's pages, every admin page, the exports and the import preview.

The README promises that every full-NIK read is recorded; the admin did it page by page and the
business page (/usaha/<id>/) never did. Here a NIK checker and a superuser (who may see
everything) open every page they can: every GET row of docs/roles.md that staff may open, and
every page of every model the admin registers (list, add, change, history, past versions,
delete confirmation), plus the business export and an import preview. Whenever a response holds
an owner's full NIK (in HTML, JSON, CSV or inside an xlsx), the request must have recorded a
read of that owner by that user. A new page that shows NIKs without recording fails here
without anyone having to remember to add it.
"""

import ast
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import AuditEvent
from accounts.roles import NIK_VIEWER_GROUP
from businesses.models import Business, ChangeRequest, DuplicateFlag, DuplicateReason, Owner
from businesses.resources import COLUMNS
from businesses.tests.factories import UserFactory
from businesses.tests.helpers import EXPORT_URL, row, upload, xlsx

from .role_world import ROWS, world_build

READERS = ("nik checker", "superuser")


@pytest.fixture(autouse=True)
def _media_root():
    """The world's files live in the module's folder (see ``world``)."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = world_build()
            checker = UserFactory(role="staf")
            checker.groups.add(Group.objects.get(name=NIK_VIEWER_GROUP))
            built["users"]["nik checker"] = checker
            mine, theirs = Business.objects.filter(owner__user__isnull=False).order_by("pk")[:2]
            # Rows for the admin pages that have none in the role matrix's world.
            ChangeRequest.objects.create(
                business=mine,
                requested_by=mine.owner.user,
                changes={"name": {"old": "Lama", "new": "Baru", "old_display": "Lama", "new_display": "Baru"}},
            )
            DuplicateFlag.objects.create(business=mine, other=theirs, reason=DuplicateReason.choices[0][0])
            mine.name = f"{mine.name} (ubah)"
            mine.save()  # a second version in its history
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if zipfile.is_zipfile(io.BytesIO(body)):  # xlsx: the cells are in the zipped XML
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"".join(archive.read(name) for name in archive.namelist() if name.endswith(".xml"))
    return body.decode("utf-8", "replace")


def _assert_recorded(response, label: str, user, before: int) -> int:
    """The owners whose full NIK ``response`` holds were recorded as read by ``user`` in it."""
    text = _text(response)
    shown = {pk for pk, nik in Owner.objects.values_list("pk", "nik") if nik and nik in text}
    recorded = set()
    for event in AuditEvent.objects.filter(pk__gt=before):
        assert event.actor_id == user.pk, label
        recorded |= set(event.object_ids)
    assert shown <= recorded, f"{label} shows the full NIK of owners {sorted(shown - recorded)} without recording it"
    return len(shown)


def _last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _admin_urls():
    """Every page the admin serves for each registered model, with ids of existing rows."""
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        yield reverse("admin:{}_{}_changelist".format(*info))
        yield reverse("admin:{}_{}_add".format(*info))
        for obj in model._default_manager.order_by("pk")[:2]:
            for view in ("change", "history", "delete"):
                yield reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[obj.pk])
            if isinstance(model_admin, SimpleHistoryAdmin):
                for version in obj.history.all():
                    try:
                        yield reverse(f"admin:{info[0]}_{info[1]}_simple_history", args=[obj.pk, version.pk])
                    except NoReverseMatch:
                        pass


@pytest.mark.django_db
@pytest.mark.parametrize("reader", READERS)
def test_every_page_showing_a_full_nik_records_the_read(client, world, reader):
    user = world["users"][reader]
    client.force_login(user)
    urls = [
        reverse(r["name"], kwargs=world["kwargs"].get(r["name"], {}))
        for r in ROWS
        if r["method"] == "GET" and r["staff"] == "200"
    ]
    urls += list(_admin_urls())
    pages_with_niks = 0
    for url in urls:
        before = _last_event()
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        pages_with_niks += bool(_assert_recorded(response, url, user, before))
    # The business page, the owner list and page, the business's page in the admin and its
    # past versions at least: the test saw NIKs, so it looked where they are.
    assert pages_with_niks >= 5


@pytest.mark.django_db
@pytest.mark.parametrize("reader", READERS)
def test_exports_and_import_previews_showing_full_niks_record_the_read(client, world, reader):
    user = world["users"][reader]
    client.force_login(user)
    for file_format in (0, 1):  # xlsx, csv
        before = _last_event()
        fields = {f"businessresource_{c}": "on" for c in COLUMNS}
        response = client.post(reverse(EXPORT_URL), {"format": str(file_format), "resource": "0", **fields})
        assert response.status_code == 200
        assert _assert_recorded(response, f"export {file_format}", user, before) >= 2
    # Previews of files that give owner A's business another owner, or keep its owner by the
    # masked NIK of an export: the preview (built by a job) shows every NIK masked, so it reads
    # no stored NIK and records none.
    mine = Business.objects.filter(owner__user__isnull=False).order_by("pk").first()
    for nik_cell in (None, mine.owner.nik_masked):
        changed = row(7, nib=mine.nib, nama_usaha=mine.name, **({"nik_pemilik": nik_cell} if nik_cell else {}))
        before = _last_event()
        preview = upload(client, xlsx([changed]))
        assert preview.status_code == 200 and preview.context["job"].status == "siap"
        page = preview.content.decode()
        assert mine.owner.nik not in page and row(7)["nik_pemilik"] not in page
        assert not AuditEvent.objects.filter(pk__gt=before, actor=user).exists()


# --- The class, read from the code ---------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
THE_DECIDER = "businesses/nik_access.py"


def _code_files():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in (".venv", "node_modules", "staticfiles", "bench") or "tests" in parts or "migrations" in parts:
            continue
        yield str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"))


def _records_a_nik_read(call: ast.Call) -> bool:
    """The trail also records other staff actions (an assisted reset, a reminder): only a call
    whose action is one of the NIK reads, or is not written out, belongs to nik_access."""
    action = next((k.value for k in call.keywords if k.arg == "action"), None)
    return not (isinstance(action, ast.Attribute) and not action.attr.startswith("NIK_"))


def test_only_nik_access_decides_who_sees_a_full_nik_and_writes_the_trail():
    """Who may see a full NIK (the permission) and the record of the read (audit_record) are
    each in one place; anything else that wants a full NIK has to go through it, and so records."""
    askers, writers = [], []
    for name, tree in _code_files():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value == "businesses.view_full_nik" and name != THE_DECIDER:
                askers.append(f"{name}:{node.lineno}")
            called = node.func if isinstance(node, ast.Call) else None
            called_name = getattr(called, "id", None) or getattr(called, "attr", None)
            if called_name == "audit_record" and name != THE_DECIDER and _records_a_nik_read(node):
                writers.append(f"{name}:{node.lineno}")
    assert askers == [] and writers == []


def test_only_the_business_page_prints_a_full_nik_in_a_template_and_only_when_nik_reveal_says():
    """Templates (pages, PDFs, emails) print ``.nik`` nowhere but the business page, behind
    show_full_nik, which its view sets from nik_reveal (which records)."""
    printing = set()
    for template in sorted(ROOT.glob("**/templates/**/*.*")):
        if ".venv" in template.parts:
            continue
        text = template.read_text(encoding="utf-8", errors="replace")
        if re.search(r"\.nik\s*(\}\}|\|)", text):
            printing.add(template.name)
            assert "{% if show_full_nik %}" in text, template
    assert printing == {"business_detail.html"}
    views = (ROOT / "businesses" / "views.py").read_text(encoding="utf-8")
    assert re.search(r'"show_full_nik":[^\n]*nik_reveal\(', views)

"""Every text input refuses C0/C1 control characters (issue 14, finding 1's input half), with
a message in Indonesian that names the field; tab and line breaks pass only in multi-line
fields. Held everywhere, not field by field: every model text field (so full_clean, the admin
and import rows), every form class of the portal and every admin form are walked."""

import importlib
import inspect
import pkgutil

import pytest
import tablib
from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.test import RequestFactory

from businesses.models import Business
from businesses.tests.factories import BusinessFactory, UserFactory
from recovery.models import Measure, Target
from recovery.selectors import period_default
from recovery.tests.factories import VerifiedBusinessFactory
from safetext import cells
from safetext.forms import ControlCharacterFormMixin
from safetext.validators import CODE, MULTI_LINE, SINGLE_LINE, has_validator

PROJECT_APPS = ("accounts", "notifications", "businesses", "trainings", "recovery")
PACKAGES = (*PROJECT_APPS, "payakumbuh_ikm")
CONTROL = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]
LINE_BREAKS = ("\t", "\n", "\r")


def _codes(error: ValidationError) -> set[str]:
    return {e.code for e in error.error_list}


def _project_text_fields():
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in PROJECT_APPS:
            for field in model._meta.concrete_fields:
                if isinstance(field, models.CharField | models.TextField):
                    yield model, field


# --- The rule ------------------------------------------------------------------------------------


def test_the_rule_covers_c0_del_and_c1_and_only_those():
    assert all(SINGLE_LINE.search(c) for c in CONTROL)
    assert all(MULTI_LINE.search(c) for c in CONTROL if c not in LINE_BREAKS)
    assert not any(MULTI_LINE.search(c) for c in LINE_BREAKS)
    for fine in ("Rendang Uni", "Galamai ＝ enak", "é ü ß", "\u00a0", "—", "Kopi 😀", "'=1"):
        assert not SINGLE_LINE.search(fine), fine


def test_the_cell_rule_strips_before_it_escapes():
    assert cells.text('\x01=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert cells.text("\x0b\uff1d1+1") == "'\uff1d1+1"
    for risky in ("=1", "+1+1", "-A1", "@SUM(A1)", "\tx", "\rx", "\uff0b1", "\uff0dA1", "\uff20x", "  =1"):
        assert cells.text(risky) == "'" + risky
    for plain in ("+6281234567890", "-5", "12,5", "Rendang Uni", "", "a\tb\nc"):
        assert cells.text(plain) == plain
    assert cells.value(None) == "" and cells.value(5) == 5 and cells.value(True) is True
    for typed in ("=1", "'08", "+62812", " -x", "＝1"):
        assert cells.unescape(cells.text(typed)) == typed


# --- Models: full_clean, the admin and import rows ----------------------------------------------


def test_every_text_field_of_every_model_refuses_control_characters():
    fields = list(_project_text_fields())
    assert len(fields) > 40
    for model, field in fields:
        assert has_validator(field.validators), f"{model.__name__}.{field.name}"
        multiline = isinstance(field, models.TextField)
        for char in CONTROL:
            if multiline and char in LINE_BREAKS:
                try:
                    field.run_validators(f"a{char}b")
                except ValidationError as other:  # the field's own rule (a NIK's digits), not ours
                    assert CODE not in _codes(other)
                continue
            with pytest.raises(ValidationError) as refused:
                field.run_validators(f"a{char}b")
            assert CODE in _codes(refused.value)
        message = " ".join(refused.value.messages)
        assert str(field.verbose_name).lower() in message.lower() and "U+" in message, message


def test_full_clean_refuses_a_hidden_formula_in_a_business_name(reference):
    business = BusinessFactory.build(owner=None, name='\x01=HYPERLINK("http://evil.example","klik")')
    with pytest.raises(ValidationError) as refused:
        business.full_clean(exclude=["owner"], validate_unique=False, validate_constraints=False)
    assert list(refused.value.message_dict) == ["name"]
    assert refused.value.message_dict["name"][0].startswith(
        "Nama usaha harus berupa satu baris teks tanpa karakter kendali (ada U+0001"
    )


def test_full_clean_refuses_a_vertical_tab_pasted_from_word_in_a_target_note(reference):
    target = Target(measure=Measure.SHARE_RECOVERED, period=period_default(), value=60, note="Naik\x0bdari tahun lalu")
    with pytest.raises(ValidationError) as refused:
        target.full_clean()
    assert "U+000B" in refused.value.message_dict["note"][0]


def test_multi_line_text_keeps_its_line_breaks(reference):
    business = BusinessFactory.build(owner=None, products="Rendang daging\r\nRendang telur\tkering")
    business.full_clean(exclude=["owner"], validate_unique=False, validate_constraints=False)


def test_a_business_import_row_with_a_control_character_is_refused_naming_the_column(reference):
    from businesses.resources import IMPORT_COLUMNS, BusinessResource
    from businesses.tests.helpers import row

    values = row(1, nama_usaha="\x01=HYPERLINK(1)", alamat="Jl. Veteran\x0b70")
    data = tablib.Dataset([values.get(h, "") for h in IMPORT_COLUMNS], headers=list(IMPORT_COLUMNS))
    result = BusinessResource().import_data(data, dry_run=True)
    errors = result.invalid_rows[0].error_dict
    assert "U+0001" in errors["nama_usaha"][0] and "U+000B" in errors["alamat"][0]
    assert Business.objects.count() == 0


def test_a_report_import_row_with_a_control_character_is_refused_naming_the_column(reference):
    from recovery.resources import COLUMNS, EXAMPLE_ROW, MonthlyReportResource

    business = VerifiedBusinessFactory()
    values = {**EXAMPLE_ROW, "nib": business.nib, "bulan": f"{period_default():%Y-%m}", "satuan_produksi": "kg\x9b"}
    data = tablib.Dataset([values.get(c, "") for c in COLUMNS], headers=list(COLUMNS))
    result = MonthlyReportResource().import_data(data, dry_run=True)
    assert "U+009B" in result.invalid_rows[0].error_dict["satuan_produksi"][0]


# --- Forms: every form class of the portal, every admin form ------------------------------------


def _project_form_classes() -> list[type]:
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if not any(part in info.name for part in (".tests", ".migrations", ".management", ".settings", ".wsgi")):
                importlib.import_module(info.name)
    found, queue = set(), [forms.BaseForm]
    while queue:
        for sub in queue.pop().__subclasses__():
            queue.append(sub)
            if sub.__module__.split(".")[0] in PACKAGES and ".tests" not in sub.__module__:
                found.add(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_every_form_class_of_the_portal_refuses_control_characters():
    classes = _project_form_classes()
    assert len(classes) >= 20
    missing = [f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, ControlCharacterFormMixin)]
    assert missing == []


def _bound(form_class, data):
    """An instance of ``form_class`` bound to ``data``, whatever else its constructor asks."""
    from businesses.resources import EXPORT_FORMATS, BusinessResource
    from trainings.models import TrainingSession

    extras = [
        {},
        {"businesses": Business.objects.none()},
        {"sessions": TrainingSession.objects.none()},
        {"formats": EXPORT_FORMATS, "resources": [BusinessResource]},
    ]
    for extra in extras:
        try:
            return form_class(data=data, **extra)
        except TypeError:
            continue
    raise AssertionError(f"cannot build {form_class.__qualname__}")


def _hostile(form) -> dict:
    return {
        name: "a\x0bb" if isinstance(field.widget, forms.Textarea) else "a\x01b"
        for name, field in form.fields.items()
        if _free_text(field)
    }


def _free_text(field) -> bool:
    return (
        isinstance(field, forms.CharField)
        and not isinstance(field, forms.JSONField)
        and not isinstance(field.widget, forms.PasswordInput | forms.HiddenInput)
        and not field.disabled
    )


@pytest.mark.django_db
def test_each_form_says_which_field_holds_a_control_character(reference):
    checked = 0
    for form_class in _project_form_classes():
        probe = _bound(form_class, {})
        hostile = _hostile(probe)
        if not hostile:
            continue
        form = _bound(form_class, hostile)
        form.is_valid()
        for name in hostile:
            assert name in form.errors, (form_class.__qualname__, name)
            assert has_validator(form.fields[name].validators), (form_class.__qualname__, name)
            # A field that reads its text first (a month "2026-01") refuses it there already.
            checked += any(e.code == CODE for e in form.errors.as_data()[name])
    assert checked >= 10


@pytest.mark.django_db
def test_every_admin_form_refuses_control_characters_in_every_text_field(reference):
    superuser = UserFactory(role="staf", email="admin@contoh.id")
    superuser.is_superuser = True
    superuser.save()
    request = RequestFactory().get("/admin/")
    request.user = superuser
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS or not model_admin.has_add_permission(request):
            continue  # an admin that adds nothing edits through its model's validators (walked above)
        form_class = model_admin.get_form(request, obj=None)
        text = {
            name: "a\x0bb" if isinstance(field.widget, forms.Textarea) else "a\x01b"
            for name, field in form_class.base_fields.items()
            if _free_text(field)
        }
        form = form_class(data=text)
        try:
            form.is_valid()
        except Exception as error:  # a model clean() that needs the missing relations
            pytest.fail(f"{model.__name__} admin form: {error!r}")
        for name in text:
            assert name in form.errors, (model.__name__, name)
            # An IP address or a JSON list is refused by its own parsing before any validator.
            checked += any(e.code == CODE for e in form.errors.as_data()[name])
    assert checked >= 20


def test_signup_refuses_a_name_hiding_a_formula_with_a_message_naming_the_field(client, reference):
    from django.urls import reverse

    from accounts.models import User

    users = User.objects.count()
    response = client.post(reverse("businesses:signup"), {"full_name": '\x01=HYPERLINK("http://evil")', "consent": "on"})
    page = response.content.decode()
    assert response.status_code == 200 and "Nama lengkap harus berupa satu baris teks" in page and "U+0001" in page
    assert User.objects.count() == users


def test_every_form_mixin_use_puts_the_mixin_first():
    """Before Django's form in the bases, so that its __init__ sees the finished fields."""
    for form_class in _project_form_classes():
        mro = inspect.getmro(form_class)
        assert mro.index(ControlCharacterFormMixin) < mro.index(forms.BaseForm), form_class.__qualname__


# --- What was stored before ------------------------------------------------------------------------


def test_the_migration_strips_what_was_stored_before_the_refusal(reference):
    """A name saved before input refused control characters would fail every later full_clean of
    its row; the data migration strips them (line breaks kept in multi-line text)."""
    migration = importlib.import_module("recovery.migrations.0009_strip_control_characters")
    hostile = BusinessFactory(name="\x01=HYPERLINK(1)", products="Rendang\r\nkering\x0b", address="Jl.\x9b Veteran")
    plain = BusinessFactory(name="Galamai Uni Ros")
    target = Target.objects.create(measure=Measure.SHARE_RECOVERED, period=period_default(), value=60, note="Naik\x0b")

    migration.strip_control_characters(apps, None)

    hostile.refresh_from_db()
    assert (hostile.name, hostile.products, hostile.address) == ("=HYPERLINK(1)", "Rendang\r\nkering", "Jl. Veteran")
    assert Target.objects.get(pk=target.pk).note == "Naik"
    assert Business.objects.get(pk=plain.pk).name == "Galamai Uni Ros"
    assert hostile.owner.nik == Business.objects.get(pk=hostile.pk).owner.nik  # the encrypted NIK untouched
    hostile.full_clean(validate_unique=False, validate_constraints=False)

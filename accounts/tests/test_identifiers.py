"""Every place that takes a NIK, NIB, WhatsApp number or email normalises it one way
(accounts.identifiers, businesses.identifiers): NFKC, then ASCII only (audit finding 2)."""

import importlib
import io

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.test import RequestFactory

from accounts.identifiers import (
    EmailIdentifierField,
    IdentifierField,
    PhoneField,
    email_normalize,
    identifier_text,
    phone_normalize,
)
from businesses.identifiers import NibFormField, NikFormField, nib_normalize, nik_normalize

PROJECT_APPS = ("accounts", "businesses", "trainings", "recovery", "notifications", "payakumbuh_ikm")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

# What each kind of field must be, a value in ASCII, and what it is stored as.
KINDS = {
    "nik": (NikFormField, "1376025505800001", "1376025505800001"),
    "nib": (NibFormField, "9120000011111", "9120000011111"),
    "phone": (PhoneField, "081266001234", "+6281266001234"),
    "email": (EmailIdentifierField, "Yus@Contoh.id", "yus@contoh.id"),
}


def _kind(name: str) -> str | None:
    name = name.lower()
    for kind, words in (("nik", ("nik",)), ("nib", ("nib",)), ("phone", ("phone", "whatsapp")), ("email", ("email",))):
        if any(word in name for word in words):
            return kind
    return None


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _project_forms():
    """Every form class the project defines, and every form the admin builds for a model."""
    for app in PROJECT_APPS:
        for module in ("forms", "admin", "admin_import", "views", "filters"):
            try:
                importlib.import_module(f"{app}.{module}")
            except ModuleNotFoundError:
                pass
    found = {
        f"{c.__module__}.{c.__qualname__}": c for c in _subclasses(forms.BaseForm) if c.__module__.split(".")[0] in PROJECT_APPS
    }
    from accounts.models import User

    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in PROJECT_APPS:
            found[f"admin:{model._meta.label}"] = model_admin.get_form(request, obj=None)
    return found


def _identifier_fields():
    for form_name, form_class in sorted(_project_forms().items()):
        for field_name, field in form_class.base_fields.items():
            kind = _kind(field_name)
            if kind is not None and not isinstance(field, forms.ModelChoiceField | forms.BooleanField):
                yield form_name, field_name, kind, field


@pytest.mark.django_db
def test_every_identifier_field_of_every_form_normalises_through_one_function():
    fields = list(_identifier_fields())
    names = {f"{form}.{field}" for form, field, _kind, _field in fields}
    # The walk sees the forms it must (so a broken walk cannot pass by finding nothing).
    for expected in (
        "businesses.forms.SignupForm.nik",
        "businesses.forms.SignupForm.phone",
        "businesses.forms.SignupForm.email",
        "businesses.forms.BusinessForm.nib",
        "accounts.forms.EmailPasswordResetForm.email",
        "businesses.admin.OwnerForm.nik",
        "businesses.admin.OwnerForm.phone",
        "accounts.admin.UserChangeForm.phone",
        "accounts.admin.UserCreationForm.email",
        "admin:businesses.Business.nib",
    ):
        assert expected in names, expected
    wrong = [
        f"{form}.{name}: {type(field).__name__}" for form, name, kind, field in fields if not isinstance(field, KINDS[kind][0])
    ]
    assert not wrong, wrong
    for _form, _name, kind, field in fields:
        _class, typed, stored = KINDS[kind]
        assert field.clean(typed) == stored
        assert field.clean(typed.translate(FULL_WIDTH)) == stored
        if kind != "email":
            with pytest.raises(ValidationError):
                field.clean(typed.translate(ARABIC_INDIC))


def test_the_sign_in_field_normalises_too():
    from accounts.forms import SignInForm

    assert isinstance(SignInForm.base_fields["username"], IdentifierField)
    assert SignInForm.base_fields["username"].clean(" ０８１２６６００１２３４ ") == "081266001234"


@pytest.mark.parametrize(
    ("normalise", "typed", "stored"),
    [
        (nik_normalize, "１３７６ ０２５５ ０５８０ ０００１", "1376025505800001"),
        (nib_normalize, "９１２０-０００-０１１１１１", "9120000011111"),
        (phone_normalize, "+６２ ８１２ ６６００ １２３４", "+6281266001234"),
        (email_normalize, " ＹＵＳ＠ｃｏｎｔｏｈ．ｉｄ ", "yus@contoh.id"),
    ],
    ids=["nik", "nib", "phone", "email"],
)
def test_full_width_is_the_same_identifier(normalise, typed, stored):
    assert normalise(typed) == stored


@pytest.mark.parametrize(
    ("normalise", "typed"),
    [
        (nik_normalize, "١٣٧٦٠٢٥٥٠٥٨٠٠٠٠١"),
        (nib_normalize, "٩١٢٠٠٠٠٠١١١١١"),
        (phone_normalize, "0812٦٦٠٠١٢٣٤"),
        (phone_normalize, "0812६६००१२३४"),  # Devanagari
        (email_normalize, "pemılık@contoh.id"),  # dotless ı
        (email_normalize, "pemilik@contöh.id"),
    ],
    ids=["nik-arabic", "nib-arabic", "phone-arabic", "phone-devanagari", "email-dotless-i", "email-umlaut"],
)
def test_other_scripts_are_refused(normalise, typed):
    with pytest.raises(ValidationError):
        normalise(typed)


def test_identifier_text_is_nfkc_and_stripped():
    assert identifier_text("\u3000ｙｕｓ\u00a0") == "yus"
    assert identifier_text(None) == ""


def test_every_model_field_holding_an_identifier_validates_its_stored_form():
    """Model fields: an import, a service or a shell that skips the forms still cannot store a
    look-alike (full_clean runs the validators)."""
    from accounts.identifiers import EmailAddressField, PhoneNumberField
    from businesses.crypto import EncryptedNikField
    from businesses.identifiers import NibField

    expected = {"nik": EncryptedNikField, "nib": NibField, "phone": PhoneNumberField, "email": EmailAddressField}
    wrong = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            kind = _kind(field.name)
            if kind in expected and isinstance(field, models.CharField | models.TextField) and not field.name.endswith("_hash"):
                if not isinstance(field, expected[kind]):
                    wrong.append(f"{model._meta.label}.{field.name}: {type(field).__name__}")
    assert not wrong, wrong


@pytest.mark.django_db
def test_identifiers_check_reports_stored_look_alikes_without_their_values(reference):
    from django.core.management import CommandError, call_command

    from businesses.models import Business, Owner
    from businesses.tests.factories import BusinessFactory, OwnerFactory

    clean = OwnerFactory(nik="1376025505800001", phone="+6281266001234", user=None)
    BusinessFactory(owner=clean, nib="9120000011111")
    # Rows written before the normalisation, past the validators (as the old code let them in).
    look_alike = OwnerFactory(nik="1376021203900002", phone="+6281266001235", user=None)
    Owner.objects.filter(pk=look_alike.pk).update(phone="+62812660012３４")
    arabic = BusinessFactory(owner=look_alike, nib="9120000022222")
    Business.objects.filter(pk=arabic.pk).update(nib="٩١٢٠٠٠٠٠٢٢٢٢٢")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("identifiers_check", stdout=out)
    report = out.getvalue()
    assert f"pemilik #{look_alike.pk} phone: tidak dalam bentuk simpanannya, sama dengan pemilik #{clean.pk}" in report
    assert f"usaha #{arabic.pk} nib: tidak dapat dinormalkan" in report
    assert f"pemilik #{clean.pk}" not in report.replace(f"sama dengan pemilik #{clean.pk}", "")
    assert "1234" not in report and "٩" not in report  # ids and kinds, never the values
    Owner.objects.filter(pk=look_alike.pk).update(phone="+6281266001235")
    Business.objects.filter(pk=arabic.pk).update(nib="9120000022222")
    out = io.StringIO()
    call_command("identifiers_check", stdout=out)
    assert "Semua NIK" in out.getvalue()


@pytest.mark.django_db
def test_an_import_reads_full_width_identifiers_as_the_known_owner_and_refuses_other_scripts(reference):
    from businesses.models import Business, Owner
    from businesses.tests.factories import OwnerFactory
    from businesses.tests.helpers import nik, row, run_import

    owner = OwnerFactory(user=None, nik=nik(7), phone="+6281300000007")
    full_width = row(
        1,
        nib="8120000000001".translate(FULL_WIDTH),
        nik_pemilik=nik(7).translate(FULL_WIDTH),
        whatsapp_pemilik="０８１３ ９９９９ ００００",
        email_pemilik="ＡＮＩ＠ｃｏｎｔｏｈ．ｉｄ",
    )
    result = run_import([full_width])
    assert not result.has_validation_errors()
    owner.refresh_from_db()
    assert (owner.phone, owner.email) == ("+6281399990000", "ani@contoh.id")
    assert Owner.objects.count() == 1 and Business.objects.get().nib == "8120000000001"

    result = run_import([row(2, nik_pemilik=nik(8).translate(ARABIC_INDIC), whatsapp_pemilik="0813٩٩٩٩٠٠٠٠")])
    assert result.has_validation_errors()
    assert Owner.objects.count() == 1

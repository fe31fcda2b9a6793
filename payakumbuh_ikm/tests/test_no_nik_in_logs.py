"""The logs of the paths that handle NIKs carry none, and the console handler masks any that slip in.

Each path runs with every logger at DEBUG, SQL logged (CaptureQueriesContext turns Django's
query log on), warnings recorded, and the root console handler (the one settings.LOGGING
builds, with payakumbuh_ikm.logging.NikMaskingFilter) writing into a buffer.
"""

import io
import logging
import re
import warnings
from contextlib import contextmanager

import pytest
from celery.signals import after_setup_logger
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.crypto import _fernet
from businesses.models import Owner
from businesses.tests.factories import OwnerFactory
from businesses.tests.helpers import nik, row, signup_data, upload, xlsx
from payakumbuh_ikm.logging import NikMaskingFilter, nik_redact

pytestmark = pytest.mark.django_db

# A NIK as it would show in a log line. Letters count as a boundary as well as digits: a hex
# digest of the keyed NIK hash may hold 16 digits in a row by chance and is no NIK.
NIK_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])")
KNOWN_NIK = "1376025505800001"  # signup_data's


def _console_handler() -> logging.Handler:
    [handler] = [h for h in logging.getLogger().handlers if any(isinstance(f, NikMaskingFilter) for f in h.filters)]
    return handler


@contextmanager
def everything_logged(caplog):
    """Yield a dict that, after the block, holds the text of the captured records, of the console
    handler's output and of the warnings raised inside the block."""
    handler = _console_handler()
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    out = {}
    try:
        with (
            caplog.at_level(logging.DEBUG),
            caplog.at_level(logging.DEBUG, logger="django"),  # Django's own default is INFO
            CaptureQueriesContext(connection) as queries,
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            yield out
    finally:
        handler.setStream(previous)
    out["records"] = "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "") for r in caplog.records
    )
    out["console"] = buffer.getvalue()
    out["warnings"] = "\n".join(str(w.message) for w in caught)
    out["queries"] = len(queries)


def assert_no_nik(out, niks):
    for where in ("records", "console", "warnings"):
        text = out[where]
        assert not NIK_IN_TEXT.findall(text), f"a 16-digit run in the {where}"
        assert not [n for n in niks if n in text], f"a NIK of this test in the {where}"
    assert out["queries"] and out["records"]  # SQL was logged: the check saw real output


def test_signup_with_an_invalid_or_a_taken_nik_logs_no_nik(client, reference, caplog):
    OwnerFactory(nik=KNOWN_NIK)
    invalid = "1376020513800001"  # month 13
    with everything_logged(caplog) as out:
        refused = client.post(reverse("businesses:signup"), signup_data(nik=invalid))
        taken = client.post(reverse("businesses:signup"), signup_data())
    assert "bulan lahir" in refused.content.decode() and taken.status_code == 302  # the neutral answer
    assert_no_nik(out, [invalid, KNOWN_NIK])


def test_an_import_with_bad_and_repeated_niks_logs_no_nik(client, staff, caplog):
    OwnerFactory(nik=nik(3), phone="+6281300000001")
    rows = [
        row(1),
        row(2, nik_pemilik=nik(2)[:15]),  # too short
        row(3, whatsapp_pemilik="0813-9999-0003"),  # a known owner's NIK with another number
        row(4, nik_pemilik=int(nik(4))),  # Excel stored it as a number
        row(5, nik_pemilik=nik(1)),  # the same NIK as row 1 under another name
    ]
    client.force_login(staff)
    with everything_logged(caplog) as out:
        preview = upload(client, xlsx(rows))
    assert preview.status_code == 200 and "confirm_form" not in preview.context
    assert "nik_pemilik" in preview.content.decode()
    assert_no_nik(out, [nik(n) for n in range(1, 6)])


def test_nik_rotation_logs_no_nik(settings, caplog):
    niks = [f"13760241079{n:05d}" for n in range(3)]
    for value in niks:
        OwnerFactory(nik=value)
    settings.NIK_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.NIK_ENCRYPTION_KEYS]
    try:
        with everything_logged(caplog) as out:
            call_command("nik_rotate", stdout=io.StringIO())
            assert sorted(Owner.objects.values_list("nik", flat=True)) == niks
    finally:
        _fernet.cache_clear()
    assert_no_nik(out, niks)


def test_the_console_masks_a_nik_that_a_library_logs(client, caplog):
    """Django logs every 404 with its path: a NIK typed into an address reaches the log, masked."""
    with everything_logged(caplog) as out:
        assert client.get(f"/tidak-ada/{KNOWN_NIK}/").status_code == 404
        try:
            raise ValueError(f"baris 3: NIK {KNOWN_NIK} ganda")
        except ValueError:
            logging.getLogger("businesses").exception("Import gagal")
        logging.getLogger("py.warnings").warning("NIK=%s", KNOWN_NIK)
    assert KNOWN_NIK not in out["console"]
    assert out["console"].count("1376**********01") == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NIK 1376025505800001 ganda", "NIK 1376**********01 ganda"),
        ("/x/1376025505800001/", "/x/1376**********01/"),
        ("1376025505800001,1376025505800002", "1376**********01,1376**********02"),
        ("NIB 9120000011111 dan P-IRT 201013760123426", "NIB 9120000011111 dan P-IRT 201013760123426"),
        ("halal ID13110000123450123", "halal ID13110000123450123"),  # 17 digits after ID: not a NIK
        ("+6281266001234", "+6281266001234"),
    ],
    # Named cases: the default ids would print these NIKs in every verbose test report.
    ids=["in-a-sentence", "in-a-path", "two-in-a-row", "nib-and-pirt", "halal-number", "phone"],
)
def test_only_runs_of_exactly_sixteen_digits_are_masked(text, expected):
    assert nik_redact(text) == expected


def test_the_celery_worker_masks_its_own_handlers_too():
    """The worker replaces the root logger's handlers (worker_hijack_root_logger); the signal
    handler in payakumbuh_ikm.celery puts the filter on the ones it makes."""
    logger = logging.getLogger("test-celery-worker-logs")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        after_setup_logger.send(sender=None, logger=logger, loglevel=logging.INFO, logfile=None, format="", colorize=False)
        logger.warning("NIK %s", KNOWN_NIK)
    finally:
        logger.removeHandler(handler)
    assert handler.stream.getvalue().strip() == "NIK 1376**********01"

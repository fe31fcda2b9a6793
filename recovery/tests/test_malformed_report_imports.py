"""The monthly report import meets the same malformed files as the registry's (it shares the
upload form and file formats, ``businesses.admin_import``): a clear answer, nothing saved."""

import pytest

from businesses.tests.helpers import ready
from businesses.tests.hostile_files import SHEET, entity_bomb, rezip, xlsx_parts, zeros_deflate
from recovery.models import MonthlyReport

from .factories import VerifiedBusinessFactory
from .helpers import row, upload, xlsx

pytestmark = pytest.mark.django_db


def refused(client, content: bytes) -> str:
    response = upload(client, content)
    assert response.status_code == 200
    assert not ready(response)
    assert MonthlyReport.objects.count() == 0
    return response.content.decode()


def test_a_month_whose_year_overflows_is_a_row_error_not_a_server_error(client, staff):
    # Found by hypothesis: "2147483648/0000" made date() raise OverflowError, not ValueError.
    business = VerifiedBusinessFactory()
    client.force_login(staff)

    page = refused(client, xlsx([row(business.nib, bulan="2147483648/0000")]))

    assert "bukan bulan" in page


def test_a_zip_bomb_and_an_entity_bomb_are_refused(client, staff):
    client.force_login(staff)
    good = xlsx_parts(xlsx([row(VerifiedBusinessFactory().nib)]))

    assert "jauh lebih besar daripada berkasnya" in refused(client, rezip(good, {SHEET: (zeros_deflate(2048), 0, 2**31)}))
    assert "rusak atau bukan buku kerja" in refused(client, entity_bomb(SHEET))


def test_a_formula_excel_never_computed_is_refused_naming_the_cell(client, staff):
    client.force_login(staff)

    page = refused(client, xlsx([row(VerifiedBusinessFactory().nib, omzet="=2*1000000")]))

    assert "berisi rumus (=2*1000000) yang belum pernah dihitung" in page

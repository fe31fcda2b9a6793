"""A session's roster as an Excel workbook (everyone, every status) and as an A4 attendance sheet
in PDF (confirmed participants, with a column to sign)."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from safetext import cells

from .models import Registration, TrainingSession


def _local(moment, pattern: str = "j F Y H.i") -> str:
    return date_format(timezone.localtime(moment), pattern) if moment else ""


def _attendance(registration: Registration):
    return getattr(registration, "attendance", None)


def roster_xlsx(session: TrainingSession, roster: dict[str, list[Registration]]) -> bytes:
    workbook = cells.Workbook()
    sheet = workbook.active
    sheet.title = _("Peserta")[:31]
    sheet.append([session.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"{_local(session.starts_at, 'l, j F Y H.i')}–{_local(session.ends_at, 'H.i')} WIB"])
    sheet.append([session.venue or _("Daring")])
    sheet.append([])
    header = [
        _("No."), _("Status"), _("Urutan tunggu"), _("Nama peserta"), _("Usaha"), _("NIB"),
        _("Kelurahan"), _("WhatsApp"), _("Hadir"), _("Waktu hadir"), _("Didaftarkan"),
    ]  # fmt: skip
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    number = 0
    for status in ("confirmed", "waiting", "cancelled"):
        for registration in roster[status]:
            number += 1
            attendance = _attendance(registration)
            row = [
                number,
                registration.get_status_display(),
                registration.waiting_position if status == "waiting" else "",
                registration.participant_name,
                registration.business.name,
                registration.business.nib,
                registration.business.kelurahan.name,
                registration.business.owner.phone,
                _("Ya") if attendance else _("Tidak"),
                _local(attendance.checked_in_at) if attendance else "",
                _local(registration.created_at),
            ]
            sheet.append(row)
    for index, width in enumerate((5, 14, 8, 28, 30, 16, 20, 17, 7, 18, 18), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A6"
    return workbook.to_bytes()


# Empty rows at the end of the sheet for walk-ins whom staff add by hand.
BLANK_ROWS = 5


def roster_pdf(session: TrainingSession, roster: dict[str, list[Registration]]) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs every other request nothing

    html = render_to_string(
        "trainings/attendance_sheet.html",
        {"session": session, "rows": roster["confirmed"], "blank_rows": range(BLANK_ROWS), "printed_at": timezone.now()},
    )
    return HTML(string=html).write_pdf()

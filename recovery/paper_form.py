"""The monthly report on paper: a blank A4 form with the online form's fields, for field visits
and owners without a smartphone. Built from ``forms.ReportForm`` itself (its fields, labels,
choices, help and groups), so the paper and the phone cannot drift apart; staff type the
answers in later with "Isi untuk pemilik"."""

from functools import lru_cache

from django import forms as django_forms
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .forms import ReportForm

# Asked on the phone only when the service finds the turnover unusual; the officer checks on the spot.
ONLINE_ONLY = ("confirmed_unusual", "period")


def paper_fields() -> list[dict]:
    """The form's questions in order: a box to write in, a list of choices to tick, or a group
    of ticks under its heading (sales channels, markets, health protocol, problems)."""
    form = ReportForm()
    grouped = {name: label for label, names in form.groups for name in names}
    items, seen_groups = [], set()
    for name, field in form.fields.items():
        if name in ONLINE_ONLY or isinstance(field.widget, django_forms.HiddenInput):
            continue
        if name in grouped:
            heading = grouped[name]
            if heading in seen_groups:
                continue
            seen_groups.add(heading)
            names = next(names for label, names in form.groups if label == heading)
            items.append({"kind": "group", "label": str(heading), "choices": [str(form.fields[n].label) for n in names]})
        elif isinstance(field, django_forms.BooleanField):
            items.append({"kind": "tick", "label": str(field.label)})
        elif getattr(field, "choices", None):
            choices = [str(label) for value, label in field.choices if value not in ("", None)]
            items.append({"kind": "choice", "label": str(field.label), "choices": choices, "help": str(field.help_text or "")})
        else:
            items.append({"kind": "write", "label": str(field.label), "help": str(field.help_text or "")})
    return items


@lru_cache(maxsize=4)
def blank_report_pdf(language: str = settings.LANGUAGE_CODE) -> bytes:
    """The blank form as an A4 PDF in ``language`` (built once per process and language: it
    holds no data)."""
    from weasyprint import HTML

    from .report_files import _refuse_remote, office_name

    with translation.override(language):
        html = render_to_string(
            "recovery/report_form_pdf.html",
            {"items": paper_fields(), "office_name": office_name(), "deadline_day": settings.RECOVERY_REPORT_DEADLINE_DAY},
        )
    return HTML(string=html, url_fetcher=_refuse_remote).write_pdf()

"""Report stored NIKs, NIBs, WhatsApp numbers and emails that are not in their one form.

Before the identifiers were normalised at the boundary (accounts.identifiers), ``\\d`` accepted
any script's digits and a full-width or Arabic-Indic copy of an owner's NIK, number or NIB was
stored as a new identity. This command finds such rows, and which existing row each is a
look-alike of, so staff can merge or correct them; it changes nothing. It prints ids and kinds of
problem only, never the values. Exit status 1 when anything is found (for a cron or a deploy check).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.identifiers import email_normalize, phone_normalize
from businesses.identifiers import nib_normalize, nik_normalize
from businesses.models import Business, Owner


def _check(rows, normalise, label, field):
    """One line per stored value of one field that is not in its one form."""
    problems = []
    stored = {value: pk for pk, value in rows if value}
    for pk, value in rows:
        if not value:
            continue
        try:
            normalised = normalise(value)
        except ValidationError:
            problems.append(f"{label} #{pk} {field}: tidak dapat dinormalkan (angka/huruf di luar ASCII?)")
            continue
        if normalised != value:
            twin = stored.get(normalised)
            also = f", sama dengan {label} #{twin}" if twin is not None and twin != pk else ""
            problems.append(f"{label} #{pk} {field}: tidak dalam bentuk simpanannya{also}")
    return problems


class Command(BaseCommand):
    help = "Laporkan NIK, NIB, nomor WhatsApp dan email tersimpan yang bukan dalam bentuk bakunya (tidak mengubah apa pun)."

    def handle(self, *args, **options):
        User = get_user_model()
        owners = list(Owner.objects.order_by("pk").values_list("pk", "phone", "email"))
        problems = [
            *_check(list(User.objects.order_by("pk").values_list("pk", "phone")), phone_normalize, "pengguna", "phone"),
            *_check(list(User.objects.order_by("pk").values_list("pk", "email")), email_normalize, "pengguna", "email"),
            # The NIK is encrypted: decrypted row by row here, and only its form is reported.
            *_check([(o.pk, o.nik) for o in Owner.objects.order_by("pk").only("pk", "nik")], nik_normalize, "pemilik", "nik"),
            *_check([(pk, phone) for pk, phone, _email in owners], phone_normalize, "pemilik", "phone"),
            *_check([(pk, email) for pk, _phone, email in owners], email_normalize, "pemilik", "email"),
            *_check(list(Business.objects.order_by("pk").values_list("pk", "nib")), nib_normalize, "usaha", "nib"),
        ]
        for line in problems:
            self.stdout.write(line)
        if problems:
            raise CommandError(f"{len(problems)} data identitas bukan dalam bentuk bakunya.", returncode=1)
        self.stdout.write(self.style.SUCCESS("Semua NIK, NIB, nomor WhatsApp dan email tersimpan dalam bentuk bakunya."))

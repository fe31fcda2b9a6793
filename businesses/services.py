"""Every way a business, its owner, its certifications and change requests are written."""

import bisect
import functools
import hashlib
import math
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from accounts.identifiers import email_normalize, phone_normalize
from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create
from notifications.services import message_queue

from .crypto import nik_digest
from .identifiers import nib_normalize, nik_normalize
from .models import (
    Business,
    BusinessStatus,
    Certification,
    ChangeRequest,
    ChangeRequestStatus,
    DeletionRequest,
    DeletionStatus,
    DuplicateFlag,
    DuplicateReason,
    Owner,
)
from .signals import FIGURE_FIELDS, business_figures_changed

# What an owner may change about their business; everything else is staff's to edit.
OWNER_EDITABLE_FIELDS = (
    "name",
    "products",
    "kbli",
    "kelurahan",
    "address",
    "year_founded",
    "workers_male",
    "workers_female",
    "investment",
    "turnover_2019",
    "sells_in_shop",
    "sells_on_marketplace",
    "marketplaces",
    "sells_on_social_media",
    "social_media",
    "sells_on_whatsapp",
    "website",
    "reaches_city",
    "reaches_province",
    "reaches_other_provinces",
    "reaches_export",
)
SIMILAR_NAME_RATIO = 0.85
# rapidfuzz's ratio is the similarity in percent; a pair exactly at SIMILAR_NAME_RATIO may come out a
# rounding error short of it.
_ALIKE_CUTOFF = 100 * SIMILAR_NAME_RATIO - 1e-6
# Up to this many new businesses, the duplicate check reads only the names that can match theirs.
FEW_NEW_BUSINESSES = 20


def _set_fields_except_m2m(instance, data: dict[str, Any]) -> list[tuple[str, Any]]:
    """Set plain and FK fields from ``data``; return the many-to-many values to set after save."""
    m2m = []
    for field, value in data.items():
        if instance._meta.get_field(field).many_to_many:
            m2m.append((field, value))
        else:
            setattr(instance, field, value)
    return m2m


def _signup_holders(*, phone: str, email: str | None, nik: str, nib: str) -> dict[tuple[str | None, str | None], set[str]]:
    """Who already holds any of these identifiers: {(email, phone) of the holder: the kinds held}."""
    User = get_user_model()
    holders: dict[tuple[str | None, str | None], set[str]] = {}

    def add(holder_email, holder_phone, kind):
        holders.setdefault((holder_email or None, holder_phone or None), set()).add(kind)

    for user in User.objects.filter(phone=phone).only("email", "phone"):
        add(user.email, user.phone, "phone")
    if email:
        for user in User.objects.filter(email=email).only("email", "phone"):
            add(user.email, user.phone, "email")
    for owner in Owner.objects.filter(nik_hash=nik_digest(nik)).only("email", "phone"):
        add(owner.email, owner.phone, "nik")
    for business in Business.objects.filter(nib=nib).select_related("owner").only("owner__email", "owner__phone"):
        add(business.owner.email, business.owner.phone, "nib")
    return holders


def _signup_refused_notify(*, holders: dict, phone: str, email: str | None) -> None:
    """Tell every holder that someone tried to register their details, and the person who signed
    up (at the contact they gave, when it is not a holder's) where to turn. At most one message an
    hour per recipient and kind: the key carries the hour, and the outbox skips a key it has."""
    hour = timezone.now().strftime("%Y%m%d%H")
    names = {"nik": _("NIK"), "nib": _("NIB"), "phone": _("nomor WhatsApp"), "email": _("email")}
    for (holder_email, holder_phone), kinds in holders.items():
        listed = ", ".join(str(names[k]) for k in ("nik", "nib", "phone", "email") if k in kinds)
        digest = hashlib.sha256(f"{holder_email}|{holder_phone}".encode()).hexdigest()[:16]
        message_queue(
            key=f"signup-attempt:{digest}:{hour}",
            subject=_("Ada yang mencoba mendaftar dengan data Anda"),
            body=_(
                "Seseorang baru saja mencoba mendaftar di Portal Pemulihan IKM Kota Payakumbuh dengan data "
                "yang sudah terdaftar atas nama Anda (%(kinds)s). Pendaftaran itu tidak diproses.\n"
                "Jika itu Anda, masuk dengan akun Anda atau atur ulang kata sandi. Jika bukan Anda, "
                "abaikan pesan ini; bila ragu, hubungi Disnakerin Kota Payakumbuh."
            )
            % {"kinds": listed},
            email=holder_email,
            phone=holder_phone,
        )
    if any(phone == p or (email and email == e) for e, p in holders):
        return  # the person gave a holder's contact: the holder's message says it all
    digest = hashlib.sha256(f"{email}|{phone}".encode()).hexdigest()[:16]
    message_queue(
        key=f"signup-refused:{digest}:{hour}",
        subject=_("Pendaftaran belum dapat diproses"),
        body=_(
            "Pendaftaran Anda di Portal Pemulihan IKM Kota Payakumbuh belum dapat diproses karena sebagian "
            "data (NIK, NIB, nomor WhatsApp atau email) sudah terdaftar. Jika Anda sudah punya akun, masuk "
            "atau atur ulang kata sandi. Jika belum, hubungi Disnakerin Kota Payakumbuh dengan membawa KTP "
            "dan dokumen NIB."
        ),
        email=email,
        phone=phone,
    )


def _is_taken_error(error: ValidationError) -> bool:
    return any(e.code == "unique" for errors in getattr(error, "error_dict", {}).values() for e in errors)


@transaction.atomic
def owner_signup(
    *, full_name: str, phone: str, email: str | None, password: str, nik: str, business: dict[str, Any]
) -> Business | None:
    """Create an owner's account, their owner record and their first business (pending), and tell
    them so by message; they sign in with their number and password.

    Returns None, having saved nothing, when the NIK, NIB, WhatsApp number or email already
    belongs to someone: each holder is told by message that someone tried, and the person signing
    up is told where to turn. The caller answers both outcomes alike, so the sign-up page tells
    nobody who is registered; both paths hash the password once, the step that costs time.
    Other invalid data raises ValidationError. Identifiers are normalised here too
    (accounts.identifiers, businesses.identifiers), whoever calls.
    """
    phone = phone_normalize(phone)
    email = email_normalize(email or "") or None
    nik = nik_normalize(nik)
    business = {**business, "nib": nib_normalize(business["nib"])}
    holders = _signup_holders(phone=phone, email=email, nik=nik, nib=business["nib"])
    if not holders:
        try:
            with transaction.atomic():
                user = user_create(full_name=full_name, password=password, role=Role.OWNER, email=email, phone=phone)
                owner = Owner(user=user, name=full_name, nik=nik, phone=phone, email=email or "", consent_at=timezone.now())
                owner.full_clean()
                owner.save()
                created = business_register(owner=owner, data=business)
        except (IntegrityError, ValidationError) as error:
            # Registered by someone else between the look-up and the insert?
            if isinstance(error, ValidationError) and not _is_taken_error(error):
                raise
            if not _signup_holders(phone=phone, email=email, nik=nik, nib=business["nib"]):
                raise
        else:
            message_queue(
                key=f"signup-welcome:{user.pk}",
                subject=_("Pendaftaran %(name)s diterima") % {"name": created.name},
                body=_(
                    "Pendaftaran usaha %(name)s di Portal Pemulihan IKM Kota Payakumbuh diterima dan menunggu "
                    "verifikasi Disnakerin. Masuk dengan nomor WhatsApp %(phone)s dan kata sandi yang Anda buat."
                )
                % {"name": created.name, "phone": phone},
                email=email,
                phone=phone,
            )
            return created
        holders = _signup_holders(phone=phone, email=email, nik=nik, nib=business["nib"])
    else:
        make_password(password)  # the cost of creating the account, spent alike
    _signup_refused_notify(holders=holders, phone=phone, email=email)
    return None


@transaction.atomic
def business_register(*, owner: Owner, data: dict[str, Any]) -> Business:
    """Register a business of ``owner`` as pending and flag likely duplicates for staff."""
    business = Business(owner=owner, status=BusinessStatus.PENDING)
    m2m = _set_fields_except_m2m(business, data)
    business.full_clean()
    business.save()
    for field, value in m2m:
        getattr(business, field).set(value)
    business_flag_duplicates(business=business)
    return business


@dataclass
class ImportedBusiness:
    """One checked row of a business import, not saved yet: the business (new, or loaded by its
    NIB and changed by the row), its owner (new, or known by NIK, with the row's details
    applied) and the marketplaces the row names."""

    business: Business
    is_new: bool
    owner: Owner
    owner_changed: bool
    marketplaces: Sequence = ()


@transaction.atomic
def businesses_import_save(*, rows: list[ImportedBusiness], fields: Iterable[str], actor: User | None) -> list[int]:
    """Write the rows of an import whose every row is valid (businesses.resources checks them):
    owners, businesses (``fields`` of a known one), their marketplaces, and the history of each,
    with ``actor`` as its author; then flag the new businesses' likely duplicates. A few queries
    per thousand rows: nothing here may read or write row by row (bench/import_businesses.py,
    10,000 rows). Returns the new businesses' ids; each row's business has its pk set.

    Rows naming the same owner may carry copies of it: the last row's copy holds every row's
    details, and it is written if any of the rows changed it."""
    now = timezone.now()
    owners: dict[str, Owner] = {}
    changed_niks = set()
    for row in rows:
        owners[row.owner.nik] = row.owner
        if row.owner_changed:
            changed_niks.add(row.owner.nik)
    new_owners = [o for o in owners.values() if o.pk is None]
    changed_owners = [o for o in owners.values() if o.pk is not None and o.nik in changed_niks]
    Owner.objects.bulk_create(new_owners, batch_size=1000)
    Owner.objects.bulk_update(changed_owners, ["name", "phone", "email"], batch_size=1000)

    new_businesses, changed_businesses = [], []
    for row in rows:
        row.business.owner = owners[row.owner.nik]
        row.business.updated_at = now
        (new_businesses if row.is_new else changed_businesses).append(row.business)
    Business.objects.bulk_create(new_businesses, batch_size=1000)
    Business.objects.bulk_update(changed_businesses, [*fields, "owner", "updated_at"], batch_size=1000)

    through = Business.marketplaces.through
    through.objects.filter(business__in=changed_businesses).delete()
    links = [through(business_id=row.business.pk, marketplace_id=m.pk) for row in rows for m in row.marketplaces]
    through.objects.bulk_create(links, batch_size=1000)

    _history_copied(Owner, [o.pk for o in new_owners], history_type="+", actor=actor, when=now)
    _history_copied(Owner, [o.pk for o in changed_owners], history_type="~", actor=actor, when=now)
    history = _history_copied(Business, [b.pk for b in new_businesses], history_type="+", actor=actor, when=now, read=True)
    history += _history_copied(Business, [b.pk for b in changed_businesses], history_type="~", actor=actor, when=now, read=True)
    _marketplace_history(history, links)
    new_ids = [b.pk for b in new_businesses]
    businesses_flag_duplicates(business_ids=new_ids)
    return new_ids


def _history_copied(
    model, ids: list[int], *, history_type: str, actor: User | None, when: datetime, read: bool = False
) -> list[tuple[int, int]]:
    """The history rows of the rows ``ids`` of ``model`` just written, as simple-history's
    ``bulk_history_create`` writes them (every tracked column, ``when``, ``history_type``: "+"
    new, "~" changed, ``actor``, an empty reason), copied by the database from the rows themselves
    (INSERT ... SELECT) instead of built as one Python object a row: the 20,000 rows of an
    import of 10,000 businesses in 0.5 s instead of 2.0 s. With ``read``, returns (history_id,
    id) of each (the businesses' marketplace snapshots hang on them); else nothing is read back."""
    if not ids:
        return []
    history = model.history.model
    quote = connection.ops.quote_name
    tracked = ", ".join(
        quote(field.column)
        for field in history._meta.concrete_fields
        if not field.name.startswith("history_") and not getattr(field, "generated", False)
    )
    table, source = quote(history._meta.db_table), quote(model._meta.db_table)
    stamp = ", ".join(quote(name) for name in ("history_date", "history_change_reason", "history_type", "history_user_id"))
    stamped = connection.ops.adapt_datetimefield_value(when)  # as the ORM writes it (SQLite: text)
    written: list[tuple[int, int]] = []
    for start in range(0, len(ids), 1000):
        batch = ids[start : start + 1000]
        # Names from the models' meta, every value bound.
        sql = (
            f"INSERT INTO {table} ({tracked}, {stamp}) SELECT {tracked}, %s, '', %s, %s FROM {source} "  # nosec B608
            f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(batch))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [stamped, history_type, actor.pk if actor else None, *batch])
        if read:
            rows = history.objects.filter(history_date=when, history_type=history_type, id__in=batch)
            written += rows.values_list("history_id", "id")
    return written


def _marketplace_history(history: list[tuple[int, int]], links: list) -> None:
    """The marketplaces of each new history record (history id, business id), as simple-history
    snapshots them for a business saved one by one (``create_historical_record_m2ms``): the link
    rows at that time."""
    snapshot = apps.get_model("businesses", "HistoricalBusiness_marketplaces")
    by_business: dict[int, list] = {}
    for link in links:
        by_business.setdefault(link.business_id, []).append(link)
    snapshot.objects.bulk_create(
        [
            snapshot(history_id=history_id, id=link.pk, business_id=link.business_id, marketplace_id=link.marketplace_id)
            for history_id, business in history
            for link in by_business.get(business, ())
        ],
        batch_size=1000,
    )


def _normalised_name(name: str) -> str:
    name = re.sub(r"\b(ikm|ukm|umkm|usaha|toko|cv|ud|pt)\b", " ", name.lower())
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def _name_words(normalised: str) -> set[str]:
    return {word for word in normalised.split() if len(word) >= 3}


def business_flag_duplicates(*, business: Business) -> list[tuple[int, int, str]]:
    """Flag likely duplicates of one newly registered business (see businesses_flag_duplicates)."""
    return businesses_flag_duplicates(business_ids=[business.pk])


def businesses_flag_duplicates(*, business_ids: list[int]) -> list[tuple[int, int, str]]:
    """Flag businesses that may be the same as new ones: the same owner WhatsApp number under
    another owner, or the same or a very similar name anywhere in the city (the same business
    registered again under another kelurahan, or a branch staff should look at). Each new
    business is compared with those registered before it (smaller id) and flagged as the newer
    of the pair; staff decide, nothing is merged. Returns the flags found, (business, other,
    reason), those already written included.

    Two names are alike when their normalised forms (_normalised_name) reach SIMILAR_NAME_RATIO
    of rapidfuzz's ratio: the share of both names' letters kept in their longest common
    subsequence, computed in C, and the same whichever name comes first. A name is compared with
    the names of its own kelurahan and with those elsewhere that share one of its words of 3
    letters or more (two names alike share a word, short of a typo in every word). Built for many
    at once (an import of the city's registry): the registry's names are read, normalised and
    compared once per distinct name rather than once per business, and only with names whose
    length allows the ratio (_alike_within).
    """
    if not business_ids:
        return []
    new = list(Business.objects.filter(pk__in=business_ids).select_related("owner").only(
        "id", "name", "kelurahan_id", "owner_id", "owner__phone").order_by("pk"))  # fmt: skip
    flags = []

    by_phone: dict[str, list[tuple[int, int]]] = {}
    same_phone = Business.objects.filter(owner__phone__in={b.owner.phone for b in new})
    for pk, owner_id, phone in same_phone.values_list("pk", "owner_id", "owner__phone"):
        by_phone.setdefault(phone, []).append((pk, owner_id))
    for business in new:
        for pk, owner_id in by_phone.get(business.owner.phone, ()):
            if pk < business.pk and owner_id != business.owner_id:
                flags.append((business.pk, pk, DuplicateReason.SAME_PHONE))

    registry = Business.objects.all()
    if len(new) <= FEW_NEW_BUSINESSES:  # a sign-up: only the rows that can be candidates
        words = set().union(*(_name_words(_normalised_name(b.name)) for b in new))
        near = Q(kelurahan_id__in={b.kelurahan_id for b in new}) | Q(pk__in=[b.pk for b in new])
        registry = registry.filter(functools.reduce(operator.or_, (Q(name__icontains=w) for w in words), near))
    flags += _similar_name_flags(new, registry)
    _flags_write(flags)
    return flags


def _similar_name_flags(new: list[Business], registry) -> list[tuple[int, int, str]]:
    """The SIMILAR_NAME flags of the ``new`` businesses against the businesses of ``registry``
    (which holds the new ones): see businesses_flag_duplicates."""
    normalised: dict[str, str] = {}  # a name as written: its normalised form
    ids_named: dict[str, list[int]] = {}  # a normalised name: its businesses' ids, ascending
    ids_named_in: dict[tuple[str, int], list[int]] = {}  # the same, per kelurahan
    with_word: dict[str, list[str]] = {}  # a word: the distinct names with it
    in_kelurahan: dict[int, list[str]] = {}  # a kelurahan: the distinct names in it
    for pk, kelurahan_id, name in registry.order_by("pk").values_list("pk", "kelurahan_id", "name"):
        mine = normalised.get(name)
        if mine is None:
            mine = normalised[name] = _normalised_name(name)
        ids = ids_named.get(mine)
        if ids is None:
            ids = ids_named[mine] = []
            for word in _name_words(mine):
                with_word.setdefault(word, []).append(mine)
        ids.append(pk)
        ids = ids_named_in.get((mine, kelurahan_id))
        if ids is None:
            ids = ids_named_in[mine, kelurahan_id] = []
            in_kelurahan.setdefault(kelurahan_id, []).append(mine)
        ids.append(pk)

    # The names alike to a new business's name: those sharing a word with it, anywhere, and
    # those of each kelurahan a new business of that name is in.
    new_names: set[str] = set()
    new_names_in: dict[int, set[str]] = {}
    for business in new:
        new_names.add(normalised[business.name])
        new_names_in.setdefault(business.kelurahan_id, set()).add(normalised[business.name])
    alike: dict[str, set[str]] = {}
    for group in with_word.values():
        _alike_within(group, new_names, alike)
    alike_in: dict[int, dict[str, set[str]]] = {}
    for kelurahan_id, names in new_names_in.items():
        _alike_within(in_kelurahan[kelurahan_id], names, alike_in.setdefault(kelurahan_id, {}))

    flags = []
    for business in new:
        mine, kelurahan_id = normalised[business.name], business.kelurahan_id
        anywhere = alike.get(mine, set())
        older = set()
        for name in anywhere:
            ids = ids_named[name]
            older.update(ids[: bisect.bisect_left(ids, business.pk)])
        for name in alike_in[kelurahan_id].get(mine, set()) - anywhere:
            ids = ids_named_in[name, kelurahan_id]
            older.update(ids[: bisect.bisect_left(ids, business.pk)])
        flags += [(business.pk, pk, DuplicateReason.SIMILAR_NAME) for pk in sorted(older)]
    return flags


def _alike_within(group: list[str], queries: set[str], found: dict[str, set[str]]) -> None:
    """Add to ``found[name]``, for each name of ``group`` in ``queries``, the names of ``group``
    alike to it (itself included). Sorts ``group`` by length: a name's ratio with a shorter one of
    length l is at most 2l / (its length + l), so only those in a window of lengths are compared,
    each query's in one call to rapidfuzz (in C)."""
    group.sort(key=len)
    lengths = [len(name) for name in group]
    low, high = SIMILAR_NAME_RATIO / (2 - SIMILAR_NAME_RATIO), (2 - SIMILAR_NAME_RATIO) / SIMILAR_NAME_RATIO
    for name in group:
        if name not in queries:
            continue
        start = bisect.bisect_left(lengths, math.ceil(len(name) * low - 1e-9))
        stop = bisect.bisect_right(lengths, math.floor(len(name) * high + 1e-9))
        matches = process.extract(name, group[start:stop], scorer=fuzz.ratio, score_cutoff=_ALIKE_CUTOFF, limit=None)
        found.setdefault(name, set()).update(match for match, _score, _index in matches)


def _flags_write(flags: list[tuple[int, int, str]]) -> None:
    """Write the flags (business, other, reason), leaving alone those already there: one INSERT
    a 2,000 with every value bound, instead of a model object and Django's preparation of each
    value (the 60,647 flags of the bench's import of 10,000 rows: 0.4 s instead of 2.3 s)."""
    meta = DuplicateFlag._meta
    fields = [meta.get_field(name) for name in ("business", "other", "reason", "created_at", "resolved")]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    suffix = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(flags), 2000):
            batch = flags[start : start + 2000]
            rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
            # Names from the model's meta, every value bound.
            sql = f"{insert} {quote(meta.db_table)} ({columns}) VALUES {rows} {suffix}"  # nosec B608
            cursor.execute(sql, [value for flag in batch for value in (*flag, now, False)])


def _notify_status(business: Business) -> None:
    owner = business.owner
    status = business.status
    if status == BusinessStatus.VERIFIED:
        subject = _("Usaha %(name)s sudah terverifikasi") % {"name": business.name}
        body = _(
            "Selamat, usaha %(name)s sudah diverifikasi oleh Disnakerin Kota Payakumbuh. "
            "Sekarang Anda dapat mendaftar pelatihan dan melaporkan perkembangan usaha di portal."
        ) % {"name": business.name}
    elif status == BusinessStatus.REJECTED:
        subject = _("Pendaftaran usaha %(name)s ditolak") % {"name": business.name}
        body = _(
            "Pendaftaran usaha %(name)s belum dapat diterima. Alasan: %(reason)s\n"
            "Perbaiki data usaha di portal, lalu kirim kembali."
        ) % {"name": business.name, "reason": business.rejection_reason}
    else:
        subject = _("Status usaha %(name)s: %(status)s") % {"name": business.name, "status": business.get_status_display()}
        body = subject
    # The key includes the moment of change: a business verified, rejected and verified again
    # tells its owner each time, but one decision never twice.
    key = f"business-status:{business.pk}:{status}:{business.status_changed_at.isoformat()}"
    message_queue(key=key, subject=subject, body=body, email=owner.email or None, phone=owner.phone)


def _next_month_start(moment: datetime) -> datetime:
    """Midnight of the first day of the month after ``moment``, in the portal's time zone."""
    local = timezone.localtime(moment)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return local.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def _set_status(business: Business, *, status: str, actor: User, reason: str = "", notify: bool = True) -> datetime | None:
    """Change one business's status and tell its owner; returns the moment from which the
    recovery figures change (None when the business never counted in them)."""
    now = timezone.now()
    since = now
    if status == BusinessStatus.VERIFIED:
        # Joining (or rejoining) the programme: counted from this month, or again from the month
        # after it left. The first verification date is kept, so earlier months stay as they were.
        since = business.deactivated_at or now
        business.verified_at = business.verified_at or now
        business.deactivated_at = None
    elif business.status == BusinessStatus.VERIFIED:
        business.deactivated_at = now  # counted up to this month, not after: the figures change
        since = _next_month_start(now)  # from next month on (none computed yet: nothing to redo)
    business.status = status
    business.rejection_reason = reason
    business.status_changed_at = now
    business.status_changed_by = actor
    business.full_clean(validate_unique=False)
    business.save(
        update_fields=[
            "status",
            "rejection_reason",
            "status_changed_at",
            "status_changed_by",
            "verified_at",
            "deactivated_at",
            "updated_at",
        ]
    )
    if notify:
        _notify_status(business)
    return since if business.verified_at is not None else None


def _figures_changed_by_edit(business: Business, changed: set[str]) -> None:
    """A correction of what the figures group or compare by changes every month it counts in."""
    if business.verified_at is not None and changed & set(FIGURE_FIELDS):
        business_figures_changed.send(sender=Business, business_ids=[business.pk], since=None)


@transaction.atomic
def businesses_set_status(
    *, business_ids: list[int], status: str, actor: User, reason: str = "", notify: bool = True
) -> list[Business]:
    """Verify, reject (with a reason) or deactivate businesses, one or many, and tell each owner
    after the commit (unless ``notify`` is false: an erasure tells the owner once, itself).
    Businesses already in ``status`` are left alone (no second message)."""
    if status == BusinessStatus.REJECTED and not reason.strip():
        raise ValidationError({"rejection_reason": _("Tuliskan alasan penolakan.")})
    locked = Business.objects.select_for_update().select_related("owner").filter(pk__in=business_ids).exclude(status=status)
    changed, counted = [], {}
    for business in locked.order_by("pk"):
        since = _set_status(
            business,
            status=status,
            actor=actor,
            reason=reason.strip() if status == BusinessStatus.REJECTED else "",
            notify=notify,
        )
        changed.append(business)
        if since is not None:
            counted[business.pk] = since
    if counted:  # one signal for the batch: the figures refresh once, from the earliest month touched
        business_figures_changed.send(sender=Business, business_ids=list(counted), since=min(counted.values()))
    return changed


def _json_value(business: Business, field: str, value) -> Any:
    model_field = business._meta.get_field(field)
    if model_field.many_to_many:
        return sorted(v.pk for v in value)
    if model_field.is_relation:
        return value.pk if value is not None else None
    return value


def _display(business: Business, field: str, value) -> str:
    model_field = business._meta.get_field(field)
    if model_field.many_to_many:
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    return "—" if value in (None, "") else str(value)


@transaction.atomic
def business_update_by_owner(*, business: Business, actor: User, data: dict[str, Any]) -> ChangeRequest | None:
    """An owner edits their business. Before verification the edit applies at once (a rejected
    business goes back to pending review); after verification it becomes a change request that
    staff approve or reject. Returns the change request, or None when applied directly.
    Only OWNER_EDITABLE_FIELDS are taken from ``data``."""
    business = Business.objects.select_for_update().get(pk=business.pk)
    data = {k: v for k, v in data.items() if k in OWNER_EDITABLE_FIELDS}
    if business.status in (BusinessStatus.PENDING, BusinessStatus.REJECTED):
        m2m = _set_fields_except_m2m(business, data)
        if business.status == BusinessStatus.REJECTED:
            business.status, business.rejection_reason = BusinessStatus.PENDING, ""
        business.full_clean()
        business.save()
        for field, value in m2m:
            getattr(business, field).set(value)
        return None

    changes = {}
    for field, new in data.items():
        model_field = business._meta.get_field(field)
        old = list(getattr(business, field).all()) if model_field.many_to_many else getattr(business, field)
        new_value = list(new) if model_field.many_to_many else new
        if _json_value(business, field, old) != _json_value(business, field, new_value):
            changes[field] = {
                "old": _json_value(business, field, old),
                "new": _json_value(business, field, new_value),
                "old_display": _display(business, field, old),
                "new_display": _display(business, field, new_value),
            }
    if not changes:
        return None
    # Validate the whole edited business now, so staff only ever approve something that saves.
    candidate = Business.objects.get(pk=business.pk)
    _set_fields_except_m2m(candidate, {k: v for k, v in data.items() if not business._meta.get_field(k).many_to_many})
    candidate.full_clean()
    request, _created = ChangeRequest.objects.update_or_create(
        business=business,
        status=ChangeRequestStatus.PENDING,
        defaults={"changes": changes, "requested_by": actor, "requested_at": timezone.now()},
    )
    return request


@transaction.atomic
def business_create_by_staff(*, business: Business, actor: User) -> Business:
    """Save a business that staff added in the admin (validated by its form; the admin saves its
    marketplaces after this). Its status is the model's default, pending. ``actor`` is recorded
    in the history by the request middleware."""
    business.full_clean(validate_unique=False)
    business.save()
    return business


@transaction.atomic
def owner_save_by_staff(*, owner: Owner, actor: User) -> Owner:
    """Save an owner that staff added or edited in the admin (validated by its form). Consent is
    the owner's own to give or withdraw (owner_consent_give, owner_consent_withdraw), never set
    here. ``actor`` is recorded in the history by the request middleware."""
    owner.full_clean(validate_unique=False)
    owner.save()
    return owner


@transaction.atomic
def business_update_by_staff(*, business: Business, changed: list[str], actor: User) -> Business:
    """Save what staff edited on ``business`` (already validated by the admin form; ``changed``
    names the edited fields). Status changes go through ``businesses_set_status``, never here.
    ``actor`` is recorded in the history by the request middleware."""
    business.full_clean(validate_unique=False)
    business.save()
    _figures_changed_by_edit(business, set(changed))
    return business


@transaction.atomic
def change_request_decide(*, change_request_id: int, approve: bool, actor: User, note: str = "") -> ChangeRequest:
    """Approve (apply every change to the business) or reject a pending change request."""
    change_request = ChangeRequest.objects.select_for_update().get(pk=change_request_id)
    if change_request.status != ChangeRequestStatus.PENDING:
        raise ValidationError(_("Permintaan perubahan ini sudah diputuskan."))
    if not approve and not note.strip():
        raise ValidationError({"decision_note": _("Tuliskan alasan penolakan.")})
    if approve:
        business = Business.objects.select_for_update().get(pk=change_request.business_id)
        plain = {}
        for field, change in change_request.changes.items():
            model_field = business._meta.get_field(field)
            if model_field.many_to_many:
                continue
            key = model_field.attname if model_field.is_relation else field
            plain[key] = change["new"]
        for key, value in plain.items():
            setattr(business, key, value)
        business.full_clean()
        business.save()
        _figures_changed_by_edit(business, set(plain))
        for field, change in change_request.changes.items():
            if business._meta.get_field(field).many_to_many:
                getattr(business, field).set(change["new"])
    change_request.status = ChangeRequestStatus.APPROVED if approve else ChangeRequestStatus.REJECTED
    change_request.decided_by, change_request.decided_at = actor, timezone.now()
    change_request.decision_note = note.strip()
    change_request.save()
    owner = change_request.business.owner
    outcome = _("disetujui") if approve else _("ditolak")
    message_queue(
        key=f"change-request:{change_request.pk}:{change_request.status}",
        subject=_("Perubahan data %(name)s %(outcome)s") % {"name": change_request.business.name, "outcome": outcome},
        body=_("Permintaan perubahan data usaha %(name)s %(outcome)s. %(note)s")
        % {"name": change_request.business.name, "outcome": outcome, "note": change_request.decision_note},
        email=owner.email or None,
        phone=owner.phone,
    )
    return change_request


@transaction.atomic
def certification_add(*, business: Business, data: dict[str, Any]) -> Certification:
    certification = Certification(business=business, **data)
    certification.full_clean()
    certification.save()
    return certification


IMPORT_UPLOAD_FOLDER = "django-import-export"  # where import-export's MediaStorage keeps uploads


def import_uploads_purge(*, older_than_hours: int = 24) -> int:
    """Delete import uploads that were previewed but never confirmed: they hold NIKs and phone
    numbers. Uses the default storage, so it works on every machine that shares it. Safe to
    run twice: a file already gone is skipped."""
    from datetime import timedelta

    from django.core.files.storage import default_storage

    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    try:
        _dirs, files = default_storage.listdir(IMPORT_UPLOAD_FOLDER)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in files:
        path = f"{IMPORT_UPLOAD_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
        except FileNotFoundError:
            continue
    return removed


# --- The owner's rights over their personal data (UU 27/2022) ---------------------------------


def _owner_of(user: User) -> Owner:
    owner = Owner.objects.select_for_update().filter(user=user).first()
    if owner is None:
        raise ValidationError(_("Akun ini tidak terhubung dengan data pemilik usaha."), code="no_owner")
    return owner


@transaction.atomic
def owner_consent_withdraw(*, user: User) -> Owner:
    """The owner behind ``user`` withdraws consent to the processing of their personal data.
    From now on the programme sends them no reminders (``models.contactable``) and staff see the
    mark; the data held stays until the owner asks for deletion. Withdrawing twice keeps the
    first moment."""
    owner = _owner_of(user)
    if owner.consent_withdrawn_at is None:
        owner.consent_withdrawn_at = timezone.now()
        owner.save(update_fields=["consent_withdrawn_at"])
    return owner


@transaction.atomic
def owner_consent_give(*, user: User) -> Owner:
    """The owner consents again after withdrawing: the moment of consent is now."""
    owner = _owner_of(user)
    if owner.consent_withdrawn_at is not None:
        owner.consent_withdrawn_at = None
        owner.consent_at = timezone.now()
        owner.save(update_fields=["consent_withdrawn_at", "consent_at"])
    return owner


@transaction.atomic
def owner_deletion_request(*, user: User, reason: str = "") -> DeletionRequest:
    """The owner asks for their account and personal data to be deleted. Refused while a request
    of theirs is still open. Staff are told by the admin's list of open requests."""
    owner = _owner_of(user)
    if DeletionRequest.objects.filter(owner=owner, status=DeletionStatus.REQUESTED).exists():
        raise ValidationError(_("Permintaan hapus data Anda sudah diajukan dan sedang diproses."), code="open")
    request = DeletionRequest(owner=owner, reason=reason.strip())
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def deletion_request_refuse(*, request_id: int, actor: User, note: str) -> DeletionRequest:
    """Staff refuse a deletion request, with the reason the owner is told."""
    note = note.strip()
    if not note:
        raise ValidationError({"staff_note": _("Tuliskan alasan penolakan.")})
    request = DeletionRequest.objects.select_for_update().select_related("owner").get(pk=request_id)
    if request.status != DeletionStatus.REQUESTED:
        raise ValidationError(_("Permintaan ini sudah ditangani."), code="handled")
    request.status, request.staff_note = DeletionStatus.REFUSED, note
    request.handled_at, request.handled_by = timezone.now(), actor
    request.full_clean()
    request.save()
    owner = request.owner
    message_queue(
        key=f"deletion-refused:{request.pk}",
        subject=_("Permintaan hapus data Anda tidak dapat dipenuhi"),
        body=_("Disnakerin Kota Payakumbuh tidak dapat menghapus data Anda saat ini. Alasan: %(note)s") % {"note": note},
        email=owner.email or None,
        phone=owner.phone,
    )
    return request

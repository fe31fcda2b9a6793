"""Every read of the registry that a page makes; select_related and scoping live here."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import User
from accounts.roles import Role, role_of

from .models import Business, BusinessStatus, Certification, ChangeRequest, ChangeRequestStatus, Kbli, Kecamatan, SizeClass
from .reference import kbli_divisions


def kbli_current() -> QuerySet[Kbli]:
    return Kbli.objects.filter(version=getattr(settings, "KBLI_VERSION", 2020)).order_by("code")


def businesses_visible_to(user: User | AnonymousUser) -> QuerySet[Business]:
    """Staff and officials see every business; an owner sees only their own; others none."""
    role = role_of(user)
    if role in (Role.STAFF, Role.OFFICIAL):
        return Business.objects.all()
    if role == Role.OWNER:
        return Business.objects.filter(owner__user=user)
    return Business.objects.none()


def business_list(*, user: User | AnonymousUser) -> QuerySet[Business]:
    return businesses_visible_to(user).select_related("kelurahan__kecamatan", "kbli", "owner").order_by("name", "pk")


def businesses_of_owner(*, user: User) -> QuerySet[Business]:
    pending = ChangeRequest.objects.filter(business=OuterRef("pk"), status=ChangeRequestStatus.PENDING)
    return (
        Business.objects.filter(owner__user=user)
        .select_related("kelurahan__kecamatan", "kbli")
        .annotate(has_pending_change=Exists(pending))
        .order_by("name")
    )


def business_detail(*, user: User | AnonymousUser, pk: int) -> Business | None:
    """The business with everything its page shows, or None when the user may not see it
    (an owner asking for someone else's business learns nothing, not even that it exists)."""
    pending = ChangeRequest.objects.filter(status=ChangeRequestStatus.PENDING).select_related("requested_by")
    business = (
        businesses_visible_to(user)
        .select_related("kelurahan__kecamatan", "kbli", "owner", "status_changed_by")
        .prefetch_related(
            "marketplaces",
            Prefetch("certifications", queryset=Certification.objects.order_by("kind", "issued_on")),
            Prefetch("change_requests", queryset=pending, to_attr="pending_changes"),
        )
        .filter(pk=pk)
        .first()
    )
    return business


def certification_for_download(*, user: User | AnonymousUser, pk: int) -> Certification | None:
    """A certification with its scan, or None: scans are for the owner and staff; officials read
    figures, not documents."""
    if role_of(user) not in (Role.STAFF, Role.OWNER):
        return None
    certification = Certification.objects.filter(pk=pk, business__in=businesses_visible_to(user)).first()
    if certification is None or not certification.document:
        return None
    return certification


def registry_summary() -> dict:
    """Counts for the summary page: by status, kecamatan, sector (KBLI division), size class."""
    by_status = dict(Business.objects.values_list("status").annotate(n=Count("pk")).order_by())
    active = ~Q(businesses__status=BusinessStatus.INACTIVE)
    kecamatan = list(
        Kecamatan.objects.annotate(
            total=Count("kelurahan__businesses", filter=~Q(kelurahan__businesses__status=BusinessStatus.INACTIVE)),
            verified=Count("kelurahan__businesses", filter=Q(kelurahan__businesses__status=BusinessStatus.VERIFIED)),
            online=Count(
                "kelurahan__businesses",
                filter=Q(kelurahan__businesses__status=BusinessStatus.VERIFIED, kelurahan__businesses__is_online=True),
            ),
        ).order_by("code")
    )
    divisions = kbli_divisions()
    sectors: dict[str, dict] = {}
    for kbli in Kbli.objects.annotate(
        total=Count("businesses", filter=active),
        verified=Count("businesses", filter=Q(businesses__status=BusinessStatus.VERIFIED)),
    ):
        key = kbli.division
        row = sectors.setdefault(key, {"code": key, "name": divisions.get((kbli.version, key), key), "total": 0, "verified": 0})
        row["total"] += kbli.total
        row["verified"] += kbli.verified
    by_size = dict(
        Business.objects.exclude(status=BusinessStatus.INACTIVE).values_list("size_class").annotate(n=Count("pk")).order_by()
    )
    verified = by_status.get(BusinessStatus.VERIFIED, 0)
    online = Business.objects.filter(status=BusinessStatus.VERIFIED, is_online=True).count()
    return {
        "by_status": [(s, by_status.get(s.value, 0)) for s in BusinessStatus],
        "total": sum(by_status.values()),
        "verified": verified,
        "online": online,
        "online_share": round(100 * online / verified) if verified else None,
        "by_kecamatan": kecamatan,
        "by_sector": sorted((r for r in sectors.values() if r["total"]), key=lambda r: -r["total"]),
        "by_size": [(s, by_size.get(s.value, 0)) for s in SizeClass],
    }

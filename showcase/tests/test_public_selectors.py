"""The one visibility rule (showcase/selectors.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from businesses.models import BusinessStatus
from showcase import selectors
from showcase.models import ProductStatus

from .factories import ProductFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_product(showcase_reference):
    return ProductFactory()


def _visible(product) -> tuple[bool, bool]:
    return (
        selectors.profiles_public().filter(pk=product.profile_id).exists(),
        selectors.products_public().filter(pk=product.pk).exists(),
    )


def test_a_consenting_verified_business_and_its_approved_product_are_public(public_product):
    assert _visible(public_product) == (True, True)


@pytest.mark.parametrize("status", [ProductStatus.PENDING, ProductStatus.HIDDEN])
def test_a_product_not_approved_is_not_public_but_its_business_is(public_product, status):
    public_product.status = status
    public_product.save()
    assert _visible(public_product) == (True, False)


def test_a_refused_product_is_not_public(public_product):
    public_product.status, public_product.refusal_reason = ProductStatus.REFUSED, "Foto buram"
    public_product.save()
    assert _visible(public_product) == (True, False)


def test_withdrawn_consent_hides_the_business_and_its_products(public_product):
    profile = public_product.profile
    profile.withdrawn_at = timezone.now()
    profile.save()
    assert _visible(public_product) == (False, False)


def test_consent_given_again_after_a_withdrawal_shows_it_again(public_product):
    profile = public_product.profile
    profile.withdrawn_at = timezone.now() - timedelta(days=2)
    profile.consented_at = timezone.now() - timedelta(days=1)
    profile.save()
    assert _visible(public_product) == (True, True)


def test_without_public_display_consent_nothing_shows(public_product):
    """Registry consent (Owner.consent_at) does not imply public display."""
    profile = public_product.profile
    profile.consented_at = None
    profile.save()
    owner = profile.business.owner
    owner.consent_at = timezone.now()
    owner.save()
    assert _visible(public_product) == (False, False)


@pytest.mark.parametrize("status", [BusinessStatus.PENDING, BusinessStatus.REJECTED, BusinessStatus.INACTIVE])
def test_a_business_not_verified_or_deactivated_is_not_public(public_product, status):
    business = public_product.profile.business
    business.status = status
    business.rejection_reason = "Data tidak lengkap" if status == BusinessStatus.REJECTED else ""
    business.verified_at = None if status != BusinessStatus.INACTIVE else business.verified_at
    business.deactivated_at = timezone.now() if status == BusinessStatus.INACTIVE else None
    business.save()
    assert _visible(public_product) == (False, False)


def test_the_rule_agrees_with_profile_consent_active(public_product):
    profile = public_product.profile
    now = timezone.now()
    for consented, withdrawn in [(None, None), (now, None), (now, now + timedelta(seconds=1)), (now, now - timedelta(seconds=1))]:
        profile.consented_at, profile.withdrawn_at = consented, withdrawn
        profile.save()
        assert selectors.profiles_public().filter(pk=profile.pk).exists() is profile.consent_active

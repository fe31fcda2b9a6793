"""The owners' pages of the showcase (/etalase/kelola/): consent, profile, products, photos,
store links; and the public "laporkan" form. Phone first, no JavaScript needed.

Each view: find what the user may manage (404 otherwise), validate, call one service, say what
happened, redirect. An owner reaches only their own businesses; staff reach all (officials none).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import Role
from payakumbuh_ikm.shortcuts import or_404

from . import selectors_owner, services
from .forms import ConsentForm, ProductForm, ProfileForm, StoreLinkForm
from .models import ProductPhoto, ProductStatus, StoreLink

MANAGERS = (Role.OWNER, Role.STAFF)


def _errors_to_form(error: ValidationError, form, default_field: str | None = None) -> None:
    """Put a service's ValidationError next to the field it names (or ``default_field``)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else default_field, errors)
    else:
        form.add_error(default_field, error)


def _profile_or_consent(request, business):
    """The business's profile; without one (no consent ever given) the consent page."""
    profile = getattr(business, "public_profile", None)
    if profile is None:
        messages.info(request, _("Setujui dulu tampilan di Etalase IKM."))
    return profile


@role_required(*MANAGERS)
def owner_home(request):
    businesses = selectors_owner.businesses_of_owner_with_profile(user=request.user)
    return render(request, "showcase/owner/home.html", {"businesses": businesses})


@role_required(*MANAGERS)
def consent(request, business_pk: int):
    """The business's showcase page for its owner: consent explained, given or withdrawn here."""
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    return render(
        request,
        "showcase/owner/consent.html",
        {
            "business": business,
            "profile": getattr(business, "public_profile", None),
            "form": ConsentForm(),
            "is_owner": services.is_owner_of(request.user, business),
        },
    )


@require_POST
@role_required(*MANAGERS)
def consent_give(request, business_pk: int):
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    if not services.is_owner_of(request.user, business):
        raise PermissionDenied  # only the owner can consent, not staff on their behalf
    if not ConsentForm(request.POST).is_valid():
        # Back to the explanation (a redirect, as after every action), with what is missing.
        messages.error(request, _("Centang persetujuan untuk menampilkan usaha Anda."))
        return redirect("showcase:owner-consent", business_pk=business.pk)
    services.profile_consent_give(business=business, actor=request.user)
    if business.status == "verified":
        messages.success(request, _("Terima kasih. Usaha Anda kini dapat tampil di Etalase IKM."))
    else:
        messages.success(request, _("Persetujuan dicatat. Usaha Anda tampil setelah diverifikasi Disnakerin."))
    return redirect("showcase:owner-profile", business_pk=business.pk)


@require_POST
@role_required(*MANAGERS)
def consent_withdraw(request, business_pk: int):
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    profile = getattr(business, "public_profile", None)
    if profile is None:
        raise Http404
    services.profile_consent_withdraw(profile=profile, actor=request.user)
    messages.success(request, _("Persetujuan ditarik. Usaha dan produk Anda tidak lagi tampil untuk umum."))
    return redirect("showcase:owner-consent", business_pk=business.pk)


@role_required(*MANAGERS)
def profile_edit(request, business_pk: int):
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    profile = _profile_or_consent(request, business)
    if profile is None:
        return redirect("showcase:owner-consent", business_pk=business.pk)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(profile=profile, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(error, form)
        else:
            messages.success(request, _("Profil etalase disimpan."))
            return redirect("showcase:owner-products", business_pk=business.pk)
    return render(request, "showcase/owner/profile_form.html", {"business": business, "profile": profile, "form": form})


@role_required(*MANAGERS)
def product_list(request, business_pk: int):
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    profile = _profile_or_consent(request, business)
    if profile is None:
        return redirect("showcase:owner-consent", business_pk=business.pk)
    products = selectors_owner.products_of_profile_all(profile=profile)
    return render(
        request,
        "showcase/owner/product_list.html",
        {"business": business, "profile": profile, "products": products, "statuses": ProductStatus},
    )


def _save_product(request, *, form, profile, product=None):
    """Create or update the product and add its photos, all or nothing; None on a refusal."""
    try:
        with transaction.atomic():
            if product is None:
                product = services.product_create(profile=profile, actor=request.user, data=form.product_data())
            else:
                product = services.product_update(product=product, actor=request.user, data=form.product_data())
            for upload in form.cleaned_data["photos"]:
                try:
                    services.product_photo_add(product=product, upload=upload, actor=request.user)
                except ValidationError as error:
                    raise ValidationError({"photos": [f"{upload.name}: {message}" for message in error.messages]}) from None
    except ValidationError as error:
        _errors_to_form(error, form)
        return None
    return product


def _product_saved_message(request, product) -> None:
    if product.status == ProductStatus.APPROVED:
        messages.success(request, _("Produk %(name)s disimpan dan tampil di etalase.") % {"name": product.name})
    elif product.status == ProductStatus.PENDING:
        messages.success(
            request,
            _("Produk %(name)s disimpan dan menunggu pemeriksaan petugas Disnakerin sebelum tampil.") % {"name": product.name},
        )
    else:
        messages.success(request, _("Produk %(name)s disimpan.") % {"name": product.name})


@role_required(*MANAGERS)
def product_add(request, business_pk: int):
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    profile = _profile_or_consent(request, business)
    if profile is None:
        return redirect("showcase:owner-consent", business_pk=business.pk)
    form = ProductForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        product = _save_product(request, form=form, profile=profile)
        if product is not None:
            _product_saved_message(request, product)
            return redirect("showcase:owner-product-edit", business_pk=business.pk, pk=product.pk)
    return render(
        request, "showcase/owner/product_form.html", {"business": business, "profile": profile, "form": form, "product": None}
    )


@role_required(*MANAGERS)
def product_edit(request, business_pk: int, pk: int):
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    profile = _profile_or_consent(request, business)
    if profile is None:
        return redirect("showcase:owner-consent", business_pk=business.pk)
    product = or_404(selectors_owner.product_managed(profile=profile, pk=pk))
    room = ProductPhoto.MAX_PER_PRODUCT - len(product.photos_ordered)
    form = ProductForm(request.POST or None, request.FILES or None, instance=product, photo_room=room)
    if request.method == "POST" and form.is_valid():
        saved = _save_product(request, form=form, profile=profile, product=product)
        if saved is not None:
            _product_saved_message(request, saved)
            return redirect("showcase:owner-product-edit", business_pk=business.pk, pk=saved.pk)
        product.refresh_from_db()
    return render(
        request,
        "showcase/owner/product_form.html",
        {
            "business": business,
            "profile": profile,
            "form": form,
            "product": product,
            "link_form": StoreLinkForm(),
        },
    )


PRODUCT_ACTIONS = {
    "sembunyikan": (services.product_hide, _("Produk disembunyikan dari etalase.")),
    "tampilkan": (services.product_unhide, None),
}


@require_POST
@role_required(*MANAGERS)
def product_action(request, business_pk: int, pk: int, action: str):
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    profile = getattr(business, "public_profile", None)
    if profile is None or action not in PRODUCT_ACTIONS:
        raise Http404
    product = get_object_or_404(profile.products, pk=pk)
    service, done = PRODUCT_ACTIONS[action]
    try:
        product = service(product=product, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if done:
            messages.success(request, done)
        else:
            _product_saved_message(request, product)
    return redirect("showcase:owner-products", business_pk=business.pk)


@role_required(*MANAGERS)
def product_delete(request, business_pk: int, pk: int):
    """A confirmation page (GET), then the deletion (POST): works without JavaScript."""
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    profile = getattr(business, "public_profile", None)
    if profile is None:
        raise Http404
    product = get_object_or_404(profile.products, pk=pk)
    if request.method == "POST":
        services.product_delete(product=product, actor=request.user)
        messages.success(request, _("Produk %(name)s dihapus.") % {"name": product.name})
        return redirect("showcase:owner-products", business_pk=business.pk)
    return render(request, "showcase/owner/product_delete.html", {"business": business, "product": product})


@require_POST
@role_required(*MANAGERS)
def photo_remove(request, business_pk: int, pk: int):
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    photo = or_404(selectors_owner.photo_managed(user=request.user, pk=pk))
    if photo.product.profile.business_id != business.pk:
        raise Http404
    services.product_photo_remove(photo=photo, actor=request.user)
    messages.success(request, _("Foto dihapus."))
    return redirect("showcase:owner-product-edit", business_pk=business.pk, pk=photo.product_id)


@require_POST
@role_required(*MANAGERS)
def photo_first(request, business_pk: int, pk: int):
    """Make a photo the product's first (the one shown in lists and link previews)."""
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    photo = or_404(selectors_owner.photo_managed(user=request.user, pk=pk))
    if photo.product.profile.business_id != business.pk:
        raise Http404
    order = list(photo.product.photos.order_by("position", "id").values_list("pk", flat=True))
    order.remove(photo.pk)
    try:
        services.product_photo_reorder(product=photo.product, actor=request.user, photo_ids=[photo.pk, *order])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Foto dijadikan foto utama."))
    return redirect("showcase:owner-product-edit", business_pk=business.pk, pk=photo.product_id)


@role_required(*MANAGERS)
def photo_file(request, pk: int, width: int):
    """A photo for its owner or staff (a product waiting for approval is not public yet)."""
    if width not in ProductPhoto.WIDTHS:
        raise Http404
    photo = or_404(selectors_owner.photo_managed(user=request.user, pk=pk))
    response = FileResponse(getattr(photo, f"image_{width}").open("rb"), content_type="image/webp")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*MANAGERS)
def links(request, business_pk: int):
    """The business's store links (GET), and adding one for the business or a product (POST)."""
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    profile = _profile_or_consent(request, business)
    if profile is None:
        return redirect("showcase:owner-consent", business_pk=business.pk)
    product = None
    if request.POST.get("product"):
        product = get_object_or_404(profile.products, pk=request.POST["product"] if request.POST["product"].isdigit() else 0)
    form = StoreLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.store_link_set(
                profile=profile, actor=request.user, kind=form.cleaned_data["kind"], url=form.cleaned_data["url"], product=product
            )
        except ValidationError as error:
            _errors_to_form(error, form, "url")
        else:
            messages.success(request, _("Tautan toko disimpan."))
            if product is not None:
                return redirect("showcase:owner-product-edit", business_pk=business.pk, pk=product.pk)
            return redirect("showcase:owner-links", business_pk=business.pk)
    if product is not None:  # a product's link form failed: show it on the product's page
        product = or_404(selectors_owner.product_managed(profile=profile, pk=product.pk))
        product_form = ProductForm(instance=product, photo_room=ProductPhoto.MAX_PER_PRODUCT - len(product.photos_ordered))
        return render(
            request,
            "showcase/owner/product_form.html",
            {"business": business, "profile": profile, "form": product_form, "product": product, "link_form": form},
        )
    return render(
        request,
        "showcase/owner/links.html",
        {
            "business": business,
            "profile": profile,
            "links": selectors_owner.store_links_of_profile(profile=profile),
            "form": form,
        },
    )


@require_POST
@role_required(*MANAGERS)
def link_remove(request, business_pk: int, pk: int):
    business = or_404(selectors_owner.business_managed(user=request.user, pk=business_pk))
    link = get_object_or_404(StoreLink.objects.filter(profile__business=business), pk=pk)
    services.store_link_remove(link=link, actor=request.user)
    messages.success(request, _("Tautan toko dihapus."))
    if link.product_id:
        return redirect("showcase:owner-product-edit", business_pk=business.pk, pk=link.product_id)
    return redirect("showcase:owner-links", business_pk=business.pk)

"""The owners' pages of the showcase (/etalase/kelola/): consent, profile, products, photos, links."""

from django.shortcuts import render

from accounts.decorators import role_required
from accounts.roles import Role
from businesses.models import Business


@role_required(Role.OWNER, Role.STAFF)
def owner_home(request):
    businesses = Business.objects.filter(owner__user=request.user).select_related("public_profile").order_by("name")
    return render(request, "showcase/owner/home.html", {"businesses": businesses})

"""Recovery reacting to changes in the apps below it, which must not know it: a registry or
training change that alters what the figures count marks the months it touches stale, in the
same transaction, and has a worker refresh them after the commit (``services.figures_changed``)."""

from django.db.models import Min
from django.dispatch import receiver

from businesses.models import Business
from businesses.signals import business_figures_changed

from . import measures
from .models import FIRST_PERIOD, current_period


@receiver(business_figures_changed, dispatch_uid="recovery-business-figures-changed")
def business_figures_changed_receiver(sender, *, business_ids: list[int], since=None, **kwargs) -> None:
    from .services import figures_changed  # services import the app's models at load

    moved = since is None
    if moved:  # a correction: every month the businesses counted in, perhaps in another cell
        since = Business.objects.filter(pk__in=business_ids).aggregate(first=Min("verified_at"))["first"]
        if since is None:
            return
    first = max(measures.month_of(since), FIRST_PERIOD)
    periods = measures.months_between(first, current_period())
    if periods:  # a change from next month on (a deactivation today) changes no figure yet
        figures_changed(periods=periods, business_ids=business_ids, moved=moved)

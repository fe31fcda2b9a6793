import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safetext.forms import ControlCharacterFormMixin

from .models import Business, BusinessStatus, Kecamatan, Kelurahan, SizeClass
from .selectors import kbli_current
from .validators import digits_only


class BusinessFilterForm(ControlCharacterFormMixin, forms.Form):
    """The filter's form: its search box refuses control characters, as every form does."""


class AnyYesNoSelect(forms.NullBooleanSelect):
    """Yes, no, or either: the neutral choice of a filter is "Semua", not Django's "Tidak
    diketahui" (nothing about the business is unknown; the list is just not filtered)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("unknown", _("Semua")), ("true", _("Ya")), ("false", _("Tidak")))


class BusinessFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Cari nama, produk atau NIB"), method="search")
    kecamatan = django_filters.ModelChoiceFilter(
        label=_("Kecamatan"), field_name="kelurahan__kecamatan", queryset=Kecamatan.objects.all(), empty_label=_("Semua")
    )
    kelurahan = django_filters.ModelChoiceFilter(label=_("Kelurahan"), queryset=Kelurahan.objects.all(), empty_label=_("Semua"))
    kbli = django_filters.ModelChoiceFilter(label=_("KBLI"), queryset=kbli_current(), empty_label=_("Semua"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=BusinessStatus.choices, empty_label=_("Semua"))
    size_class = django_filters.ChoiceFilter(label=_("Kelas usaha"), choices=SizeClass.choices, empty_label=_("Semua"))
    is_online = django_filters.BooleanFilter(label=_("Berjualan online"), widget=AnyYesNoSelect)

    class Meta:
        model = Business
        fields = ()
        form = BusinessFilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(products__icontains=value) | Q(nib=digits_only(value)))

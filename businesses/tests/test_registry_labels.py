"""What staff read in the registry and its admin: a size class in the "Kelas" column, a neutral
"Semua" in the online filter, Indonesian names and values on the change and history pages."""

import re

import pytest
from django.urls import reverse

from businesses.models import SizeClass

from .factories import BusinessFactory

pytestmark = pytest.mark.django_db


def test_the_registry_shows_each_business_s_size_class(client, staff):
    business = BusinessFactory(workers_male=2, workers_female=1, investment=50_000_000)
    client.force_login(staff)
    page = client.get(reverse("businesses:list")).content.decode()
    row = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(business.name)}.*?</tr>", page, re.S)[0]
    assert f"<td>{SizeClass.SMALL.label}</td>" in row


def test_the_online_filter_s_neutral_choice_reads_semua(client, staff):
    client.force_login(staff)
    page = client.get(reverse("businesses:list")).content.decode()
    select = re.search(r'<select[^>]*name="is_online".*?</select>', page, re.S)[0]
    options = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert options == ["Semua", "Ya", "Tidak"]
    assert "Tidak diketahui" not in page
    listed = client.get(reverse("businesses:list"), {"is_online": "true"})
    assert listed.status_code == 200 and 'value="true" selected' in listed.content.decode()


def test_the_admin_names_generated_fields_in_indonesian_and_shows_online_as_a_yes_no(client, staff):
    business = BusinessFactory(sells_on_whatsapp=False, sells_on_marketplace=False, sells_on_social_media=False, website="")
    client.force_login(staff)
    page = client.get(reverse("admin:businesses_business_change", args=[business.pk])).content.decode()
    assert "Kelas usaha" in page and "Berjualan online" in page
    assert "Size class" not in page and "Is online" not in page
    online = re.search(r"Berjualan online.*?</div>\s*</div>", page, re.S)[0]
    assert "icon-no.svg" in online and ">False<" not in online


def test_the_history_page_reads_in_indonesian_without_none(client, staff):
    business = BusinessFactory(name="Galamai Mak Ros", website="")
    business.name, business.website = "Galamai Mak Ros Asli", "https://galamai.example"
    business.save()
    client.force_login(staff)
    page = client.get(reverse("admin:businesses_business_history", args=[business.pk])).content.decode()
    table = re.search(r'<table id="change-history".*?</table>', page, re.S)[0]
    assert "Perubahan" in table and "Changes" not in table and "Change reason" not in table
    assert "None" not in table and "False" not in table and "True" not in table
    assert "Galamai Mak Ros" in table and "—" in table

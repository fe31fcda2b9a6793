"""The showcase's public pages are valid HTML (Nu Html Checker, errors only)."""

import json
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from showcase.models import Sentra, StoreKind

from .factories import ProductFactory
from .public_helpers import ProductPhotoFactory, StoreLinkFactory

VNU_JAR = Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.requires_tools("java")]


def test_every_public_page_is_valid_html(client, showcase_reference, tmp_path):
    if not VNU_JAR.exists():
        pytest.skip("node_modules/vnu-jar missing: npm ci --ignore-scripts")
    product = ProductFactory(price_max=200_000, min_order=3, shipping_note="Dikirim ke seluruh Indonesia")
    product.profile.sentra = Sentra.objects.get(slug="sentra-rendang")
    product.profile.save()
    ProductPhotoFactory(product=product)
    StoreLinkFactory(profile=product.profile, kind=StoreKind.SHOPEE)
    profile = product.profile
    urls = {
        "home": reverse("showcase:home"),
        "search": reverse("showcase:search") + "?q=rendag&urut=termurah",
        "category": reverse("showcase:category", args=["makanan-khas"]),
        "sentra": reverse("showcase:sentra", args=["sentra-rendang"]),
        "profile": reverse("showcase:profile", args=[profile.slug]),
        "product": reverse("showcase:product", args=[profile.slug, product.slug]) + "?hl=en",
        "report": reverse("showcase:report", args=[profile.slug, product.slug]),
    }
    files = []
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}').get("messages", [])
    assert messages == [], [(Path(m.get("url", "")).name, m.get("message"), m.get("extract")) for m in messages]

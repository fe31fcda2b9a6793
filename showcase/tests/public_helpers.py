"""Test data for the public pages: photos (small WebP files made with Pillow) and store links."""

import io

import factory
from django.core.files.base import ContentFile
from PIL import Image

from showcase.models import ProductPhoto, StoreKind, StoreLink

from .factories import ProductFactory, ProfileFactory


def webp_file(width: int, height: int, colour=(160, 82, 45)) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "WEBP", quality=60)
    return ContentFile(buffer.getvalue(), name="foto.webp")


class ProductPhotoFactory(factory.django.DjangoModelFactory):
    """A photo in its three widths (4:3), as photo_renditions would store it."""

    class Meta:
        model = ProductPhoto

    product = factory.SubFactory(ProductFactory)
    image_320 = factory.LazyFunction(lambda: webp_file(320, 240))
    image_640 = factory.LazyFunction(lambda: webp_file(640, 480))
    image_1280 = factory.LazyFunction(lambda: webp_file(1280, 960))
    width = 1280
    height = 960
    alt = "Rendang di atas daun pisang"


class StoreLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreLink

    profile = factory.SubFactory(ProfileFactory)
    kind = StoreKind.TOKOPEDIA
    url = factory.Sequence(lambda n: f"https://www.tokopedia.com/rendang-uni-{n}")

"""Product photos: an owner's upload checked by its content and written anew as WebP.

``photo_renditions`` is the one door a photo goes through before it is stored. The upload is
never kept as sent: it is decoded by Pillow (JPEG, PNG or WebP, recognised by content, never by
name or by the browser's content type), refused when too large in bytes or in pixels (a
decompression bomb is refused before it is decoded), turned upright by its EXIF orientation,
stripped of every piece of metadata (EXIF with the phone's GPS position, XMP, the ICC profile
after converting the colours to sRGB) and re-encoded as WebP in the widths of
``ProductPhoto.WIDTHS``. A photo narrower than a width is never enlarged: it yields only the
widths it can, the largest being its own width.

Each stored rendition's width is therefore ``min(target, photo.width)`` where ``photo.width`` is
the largest rendition's width: a page can build its ``srcset`` from that without opening files.
"""

import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .models import ProductPhoto

# By content: Pillow tries only these decoders, so an SVG, HTML or a script named .jpg is refused.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")

# A panorama of a songket cloth is fine; a 1 x 10,000 strip is not a product photo (and WebP
# cannot hold a side above 16,383 px).
MAX_ASPECT_RATIO = 5

# The photo is decoded no larger than twice the widest rendition before any copy is made, so a
# 50 MP phone photo never exists in memory more than once at full size (JPEG: not even once,
# its decoder scales down while decoding).
_WORKING_SIDE = 2 * max(ProductPhoto.WIDTHS)

WEBP_QUALITY = 80
# libwebp's effort (0 fast .. 6 small); 4 is its default balance of size and time.
WEBP_METHOD = 4

_SRGB = ImageCms.createProfile("sRGB")


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _size_of(fileobj) -> int:
    """The upload's size from its metadata or by seeking: never by reading it."""
    size = getattr(fileobj, "size", None)
    if size is not None:
        return size
    position = fileobj.tell()
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(position)
    return size


def _open(fileobj) -> Image.Image:
    """Open (header only) and check format, size in pixels and shape; nothing decoded yet."""
    max_bytes = settings.SHOWCASE_PHOTO_MAX_BYTES
    if _size_of(fileobj) > max_bytes:
        raise _refuse(
            _("Foto terlalu besar (paling besar %(max)s). Kirim foto dengan ukuran lebih kecil.")
            % {"max": filesizeformat(max_bytes)},
            "too_large",
        )
    fileobj.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit: a warning is a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fileobj, formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(_("Foto ini terlalu besar ukuran pikselnya."), "too_many_pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _refuse(_("Berkas ini bukan foto JPG, PNG atau WebP. Pilih foto dari galeri atau kamera."), "not_image") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise _refuse(_("Foto ini rusak atau tidak lengkap. Coba kirim ulang."), "broken")
    max_pixels = settings.SHOWCASE_PHOTO_MAX_PIXELS
    if width * height > max_pixels:
        raise _refuse(
            _("Foto ini terlalu besar ukuran pikselnya (%(mp)d megapiksel, paling besar %(max)d).")
            % {"mp": width * height // 1_000_000, "max": max_pixels // 1_000_000},
            "too_many_pixels",
        )
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise _refuse(_("Foto ini terlalu panjang atau terlalu lebar. Potong agar lebih mendekati persegi."), "shape")
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert the colours to sRGB by the embedded ICC profile (then the profile can go)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: keep the pixels as they are, the profile is dropped anyway
    return converted or image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _decode(image: Image.Image) -> Image.Image:
    """Decode to an upright RGB(A) image with no metadata, no larger than the working size."""
    if image.format == "JPEG":
        image.draft("RGB", (_WORKING_SIDE, _WORKING_SIDE))
    try:
        image.seek(0)  # an animated PNG or WebP: its first frame
        image.load()
        if image.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):  # palette, 16-bit...: resized badly as they are
            image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        # Shrink first (in place), so every copy below is of the small image.
        image.thumbnail((_WORKING_SIDE, _WORKING_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
        image = ImageOps.exif_transpose(image)
        image = _to_srgb(image)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise _refuse(_("Foto ini rusak atau tidak lengkap. Coba kirim ulang."), "broken") from None
    has_alpha = _has_alpha(image)
    image = image.convert("RGBA" if has_alpha else "RGB")
    if has_alpha and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")  # an alpha channel that hides nothing only costs bytes
    # A new image carries no ``info``: EXIF, GPS, XMP, ICC and comments stay behind.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    return out.getvalue()


def photo_renditions(fileobj) -> dict:
    """Check an uploaded photo by its content and re-encode it as metadata-free WebP.

    Returns ``{"width": w, "height": h, "renditions": [{"width", "height", "content"}, ...]}``:
    renditions narrowest first, one per width in ``ProductPhoto.WIDTHS`` the photo can fill plus
    its own width when narrower than the widest (never enlarged); ``width``/``height`` are the
    largest rendition's. ``content`` is WebP bytes.

    Raises ``ValidationError`` (Indonesian message) for a file that is not a JPEG, PNG or WebP
    photo, larger than ``SHOWCASE_PHOTO_MAX_BYTES``, more pixels than
    ``SHOWCASE_PHOTO_MAX_PIXELS``, of an extreme shape, or broken. The file is read from its
    start; its size is checked before anything is read.
    """
    with _open(fileobj) as opened:
        image = _decode(opened)
    widths = sorted({min(target, image.width) for target in ProductPhoto.WIDTHS})
    renditions = []
    source = image
    for width in reversed(widths):  # widest first: each smaller one is resized from the last
        height = max(1, round(source.height * width / source.width))
        if (width, height) != source.size:
            source = source.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        renditions.append({"width": width, "height": height, "content": _encode(source)})
    renditions.reverse()
    largest = renditions[-1]
    return {"width": largest["width"], "height": largest["height"], "renditions": renditions}

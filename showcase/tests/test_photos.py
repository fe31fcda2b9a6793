"""Product photos: hostile uploads refused by content, metadata stripped, sizes never enlarged."""

import io
import os
import tempfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image, ImageCms

from showcase.photos import photo_renditions

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _jpeg(size=(1600, 1200), exif=None, color=(180, 40, 30), **save) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    # A gradient so the encoder has something to do and orientation is visible.
    image.paste((20, 160, 40), (0, 0, size[0] // 4, size[1] // 4))
    if exif is not None:
        save["exif"] = exif
    image.save(out, "JPEG", quality=85, **save)
    return out.getvalue()


def _exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Samsung"  # Make
    exif[0x0110] = "SM-A145F"  # Model
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (0.0, 13.0, 12.5), 3: "E", 4: (100.0, 37.0, 30.0)})
    if orientation:
        exif[ORIENTATION] = orientation
    return exif


def _upload(content: bytes, name="foto.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _refusal(upload) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        photo_renditions(upload)
    return caught.value


def test_a_phone_photo_yields_three_webp_widths_with_its_shape():
    result = photo_renditions(_upload(_jpeg((4000, 3000))))
    assert [(r["width"], r["height"]) for r in result["renditions"]] == [(320, 240), (640, 480), (1280, 960)]
    assert (result["width"], result["height"]) == (1280, 960)
    for rendition in result["renditions"]:
        with Image.open(io.BytesIO(rendition["content"])) as decoded:
            assert decoded.format == "WEBP"
            assert decoded.size == (rendition["width"], rendition["height"])


def test_a_small_photo_is_never_enlarged():
    result = photo_renditions(_upload(_jpeg((500, 400))))
    assert [r["width"] for r in result["renditions"]] == [320, 500]
    assert (result["width"], result["height"]) == (500, 400)
    tiny = photo_renditions(_upload(_jpeg((200, 150))))
    assert [(r["width"], r["height"]) for r in tiny["renditions"]] == [(200, 150)]


def test_exif_gps_and_camera_are_stripped_from_every_rendition():
    original = _jpeg((2000, 1500), exif=_exif_with_gps())
    with Image.open(io.BytesIO(original)) as check:  # the test photo really carries a position
        assert check.getexif().get_ifd(GPS_IFD)
    for rendition in photo_renditions(_upload(original))["renditions"]:
        content = rendition["content"]
        with Image.open(io.BytesIO(content)) as decoded:
            assert "exif" not in decoded.info
            assert "xmp" not in decoded.info
            assert "icc_profile" not in decoded.info
            assert len(decoded.getexif()) == 0
            assert not decoded.getexif().get_ifd(GPS_IFD)
        # Nor anywhere in the bytes: no EXIF, XMP or ICC chunk in the WebP container.
        assert b"EXIF" not in content and b"XMP " not in content and b"ICCP" not in content
        assert b"Samsung" not in content and b"SM-A145F" not in content


def test_exif_orientation_is_applied_before_it_is_dropped():
    # A phone held upright stores the pixels sideways (landscape) with "rotate 90" in EXIF.
    result = photo_renditions(_upload(_jpeg((1600, 1200), exif=_exif_with_gps(orientation=6))))
    assert (result["width"], result["height"]) == (1200, 1600)
    with Image.open(io.BytesIO(result["renditions"][-1]["content"])) as decoded:
        assert decoded.size == (1200, 1600)
        # The green corner was top-left of the sideways pixels: upright, it is top-right.
        r, g, b = decoded.convert("RGB").getpixel((decoded.width - 20, 20))
        assert g > 120 and r < 80


def test_colours_are_converted_to_srgb_before_the_icc_profile_is_dropped():
    out = io.BytesIO()
    lab_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (800, 600), (10, 120, 200)).save(out, "PNG", icc_profile=lab_profile)
    result = photo_renditions(_upload(out.getvalue(), "foto.png", "image/png"))
    with Image.open(io.BytesIO(result["renditions"][0]["content"])) as decoded:
        assert "icc_profile" not in decoded.info
        r, g, b = decoded.convert("RGB").getpixel((10, 10))
        assert abs(r - 10) < 12 and abs(g - 120) < 12 and abs(b - 200) < 12


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_transparency_is_kept(fmt):
    out = io.BytesIO()
    Image.new("RGBA", (900, 900), (0, 0, 0, 0)).save(out, fmt)
    result = photo_renditions(_upload(out.getvalue(), "foto.bin", "application/octet-stream"))
    with Image.open(io.BytesIO(result["renditions"][0]["content"])) as decoded:
        assert decoded.mode == "RGBA"


@pytest.mark.parametrize(
    "content",
    [
        b"<script>alert(document.cookie)</script>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"#!/bin/sh\nrm -rf /\n",
        b"GIF89a" + b"\x00" * 100,  # a real image type, but not one we accept
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        b"",
    ],
    ids=["html-script", "svg-script", "shell", "gif", "pdf", "empty"],
)
def test_a_file_that_is_not_a_photo_is_refused_whatever_its_name(content):
    error = _refusal(_upload(content, name="rendang.jpg", content_type="image/jpeg"))
    assert error.code == "not_image"
    assert "bukan foto JPG, PNG atau WebP" in error.messages[0]


def test_a_script_after_a_real_jpeg_header_is_refused_as_broken():
    content = _jpeg((800, 600))[:200] + b"<script>alert(1)</script>" * 10
    error = _refusal(_upload(content))
    assert error.code == "broken"


def test_a_polyglot_with_a_script_appended_keeps_only_the_pixels():
    content = _jpeg((800, 600)) + b"<script>alert(1)</script>"
    for rendition in photo_renditions(_upload(content))["renditions"]:
        assert b"<script>" not in rendition["content"]


def test_a_50_mb_upload_is_refused_by_its_size_without_being_read(settings):
    settings.SHOWCASE_PHOTO_MAX_BYTES = 10 * 1024 * 1024
    upload = TemporaryUploadedFile("besar.jpg", "image/jpeg", 0, None)
    try:
        upload.write(_jpeg((800, 600)))
        upload.seek(50 * 1024 * 1024 - 1)
        upload.write(b"\0")  # a sparse 50 MB file on disk, as Django stores a large upload
        upload.flush()
        upload.size = os.path.getsize(upload.temporary_file_path())
        upload.seek(0)
        reads = []
        original_read = upload.file.read
        upload.file.read = lambda *a: reads.append(a) or original_read(*a)
        error = _refusal(upload)
    finally:
        upload.close()
    assert error.code == "too_large"
    assert "Foto terlalu besar" in error.messages[0] and "10" in error.messages[0]
    assert reads == []


def test_the_size_of_a_plain_file_object_is_found_by_seeking(settings):
    settings.SHOWCASE_PHOTO_MAX_BYTES = 1000
    with tempfile.TemporaryFile() as handle:
        handle.write(_jpeg((800, 600)))
        handle.seek(0)
        assert _refusal(handle).code == "too_large"


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    # 20,000 x 20,000 of one colour: 400 megapixels (1.2 GB decoded) in a file of a few kB.
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG", optimize=True)
    content = out.getvalue()
    assert len(content) < 200_000
    error = _refusal(_upload(content, "bom.png", "image/png"))
    assert error.code == "too_many_pixels"
    assert "megapiksel" in error.messages[0] or "piksel" in error.messages[0]


def test_the_pixel_cap_is_a_setting_and_a_refusal_not_a_warning(settings):
    settings.SHOWCASE_PHOTO_MAX_PIXELS = 1_000_000
    assert _refusal(_upload(_jpeg((1200, 1000)))).code == "too_many_pixels"
    assert photo_renditions(_upload(_jpeg((1000, 1000))))["width"] == 1000


def test_a_strip_too_long_to_be_a_photo_is_refused():
    assert _refusal(_upload(_jpeg((6000, 1000)))).code == "shape"

"""Product pictures the project draws itself with Pillow (no download): a coloured composition
per kind of product, with the product's initials."""

import hashlib
import io
import random

from PIL import Image, ImageDraw, ImageFont

PHOTO_SIDE = 480  # drawn at 800 px, uploaded at 480: two renditions (320, 480), not three
_CANVAS = 800

_PALETTES = {
    "circles": [(122, 50, 18), (156, 74, 28), (94, 38, 20), (176, 96, 36)],
    "squares": [(181, 120, 43), (140, 80, 40), (201, 150, 72), (120, 74, 40)],
    "stripes": [(128, 24, 48), (26, 74, 120), (120, 20, 90), (20, 100, 80)],
    "grid": [(96, 110, 44), (110, 78, 50), (70, 96, 60), (130, 100, 60)],
}


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split()[:2]).upper()


def product_picture(name: str, drawing: str, key: str = "") -> bytes:
    """A square PNG with the initials of ``name``, drawn from ``key`` and ``name``: the same
    picture for the same key and name, every time."""
    seed = int(hashlib.sha256(f"{key}|{name}".encode()).hexdigest()[:8], 16)
    rng = random.Random(seed)  # nosec B311  # a drawing's shapes, not a secret
    palette = _PALETTES[drawing]
    background = palette[seed % len(palette)]
    image = Image.new("RGB", (_CANVAS, _CANVAS), background)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, c + 70) for c in background)
    dark = tuple(max(0, c - 40) for c in background)
    _DRAWINGS.get(drawing, _grid)(draw, rng, (background, dark, light))
    _initials_draw(draw, name)
    out = io.BytesIO()
    image.resize((PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS).save(out, format="PNG")
    return out.getvalue()


def _circles(draw: ImageDraw.ImageDraw, rng: random.Random, colours: tuple) -> None:
    """A plate seen from above."""
    side = _CANVAS
    draw.ellipse((90, 90, side - 90, side - 90), fill=(238, 232, 220))
    for _ in range(26):
        x, y, r = rng.randint(210, side - 210), rng.randint(210, side - 210), rng.randint(18, 46)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice(colours))


def _squares(draw: ImageDraw.ImageDraw, rng: random.Random, colours: tuple) -> None:
    """Pieces on a tray."""
    side = _CANVAS
    draw.rounded_rectangle((80, 140, side - 80, side - 140), radius=40, fill=(240, 228, 200))
    for row in range(3):
        for col in range(4):
            x, y = 130 + col * 140, 200 + row * 140
            draw.rounded_rectangle((x, y, x + 110, y + 110), radius=14, fill=rng.choice(colours))


def _stripes(draw: ImageDraw.ImageDraw, rng: random.Random, colours: tuple) -> None:
    """A woven cloth."""
    side, (_background, dark, light) = _CANVAS, colours
    for y in range(0, side, 40):
        draw.rectangle((0, y, side, y + 20), fill=light if (y // 40) % 2 else dark)
    gold = (212, 175, 55)
    for x in range(60, side, 120):
        draw.polygon([(x, 60), (x + 40, 140), (x, 220), (x - 40, 140)], fill=gold)
        draw.polygon([(x, side - 220), (x + 40, side - 140), (x, side - 60), (x - 40, side - 140)], fill=gold)


def _grid(draw: ImageDraw.ImageDraw, rng: random.Random, colours: tuple) -> None:
    """Woven pandan, wood grain."""
    side, (_background, dark, light) = _CANVAS, colours
    for i in range(0, side, 50):
        draw.rectangle((i, 0, i + 24, side), fill=light)
        draw.rectangle((0, i, side, i + 24), fill=dark)


_DRAWINGS = {"circles": _circles, "squares": _squares, "stripes": _stripes, "grid": _grid}


def _initials_draw(draw: ImageDraw.ImageDraw, name: str) -> None:
    """The initials of ``name`` in the middle, with a shadow."""
    font = ImageFont.load_default(size=200)
    text = _initials(name)
    box = draw.textbbox((0, 0), text, font=font)
    x, y = (_CANVAS - (box[2] - box[0])) // 2, (_CANVAS - (box[3] - box[1])) // 2 - box[1]
    draw.text((x + 6, y + 6), text, font=font, fill=(30, 20, 10))
    draw.text((x, y), text, font=font, fill=(255, 250, 240))

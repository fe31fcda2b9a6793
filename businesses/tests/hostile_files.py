"""Workbooks made hostile byte by byte (zip bombs, billion laughs): shared by the registry's and
the recovery reports' malformed-import tests. Made in memory, never committed."""

import io
import struct
import zipfile
import zlib

from .helpers import row, xlsx


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def zeros_deflate(megabytes: int) -> bytes:
    """A raw deflate stream of ``megabytes`` MB of spaces, made without ever holding them: after
    a full flush the compressor forgets its history, so one compressed megabyte can be repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b" " * 2**20) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * megabytes + b"\x03\x00"  # an empty final block ends the stream


def craft_zip(parts: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written byte by byte from (name, raw deflate data, crc, declared unpacked size), so
    the declared sizes can say anything (zipfile would compute them)."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in parts:
        offset, encoded = out.tell(), name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0))
        out.write(encoded + data)
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0, 0, 0, 0, 0, offset
            )
            + encoded
        )
    directory, start = central.getvalue(), out.tell()
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory), start, 0))
    return out.getvalue()


def xlsx_parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(parts: dict[str, bytes], replace: dict[str, tuple[bytes, int, int]] | None = None) -> bytes:
    """A workbook's parts zipped again, some replaced by (raw deflate, crc, declared size)."""
    replace = replace or {}
    entries = []
    for name, data in parts.items():
        if name in replace:
            entries.append((name, *replace[name]))
        else:
            entries.append((name, _deflate(data), zlib.crc32(data), len(data)))
    return craft_zip(entries)


SHEET = "xl/worksheets/sheet1.xml"


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode() for n in range(1, 10))
    + b"]>"
)


def entity_bomb(part: str) -> bytes:
    """Billion laughs inside one part of an otherwise valid workbook."""
    parts = xlsx_parts(xlsx([row(1)]))
    original = parts[part]
    body = original.split(b"?>", 1)[1] if original.startswith(b"<?xml") else original
    if part == SHEET:
        body = body.replace(
            b"<sheetData>", b"<sheetData><row r='99'><c r='A99' t='inlineStr'><is><t>&lol9;</t></is></c></row>", 1
        )
    else:
        body = body.replace(b"<sheets>", b"<sheets>&lol9;", 1)
    parts[part] = BILLION_LAUGHS + body
    return rezip(parts)

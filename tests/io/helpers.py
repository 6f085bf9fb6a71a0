"""Files for import tests, built at test time (no binaries in the repository)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl import Workbook


def write_xlsx(
    path: Path, rows: list[list[object]], *, hidden_first: list[list[object]] | None = None
) -> Path:
    """A real workbook written by openpyxl; optionally with a hidden sheet in front."""
    wb = Workbook()
    ws = wb.active
    if hidden_first is not None:
        ws.title = "Hidden"
        for row in hidden_first:
            ws.append(row)
        ws.sheet_state = "hidden"
        ws = wb.create_sheet("Contacts")
    else:
        ws.title = "Contacts"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def rewrite_member(path: Path, member: str, change) -> Path:
    """Rewrite one part of a zip (an xlsx) through ``change(bytes) -> bytes``."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            out.writestr(info.filename, change(data) if info.filename == member else data)
    return path


def add_member(path: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as out:
        out.writestr(member, data)
    return path


def with_doctype(xml: bytes, doctype: str) -> bytes:
    """Put a DOCTYPE after the XML declaration of a part (or at its start)."""
    if xml.lstrip().startswith(b"<?xml"):
        return re.sub(rb"(<\?xml[^>]*\?>)", lambda m: m.group(1) + doctype.encode(), xml, count=1)
    return doctype.encode() + xml


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
)
EXTERNAL_ENTITY = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def zip_bomb(path: Path, megabytes: int = 20) -> Path:
    """An xlsx-shaped zip whose sheet inflates over a thousand times."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/></Types>',
        )
        out.writestr("xl/worksheets/sheet1.xml", b"<x>" + b" " * (megabytes * 1024 * 1024) + b"</x>")
    return path


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

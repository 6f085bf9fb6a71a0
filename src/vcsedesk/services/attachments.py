"""Files attached to records: engagements and meetings now, claims' receipts later.

A file is checked (size, kind by its content, not its name), hashed with SHA-256 and kept in
the database itself, so it is backed up, restored and copied with everything else and no
separate folder can drift out of step.  The bytes are stored once per hash
(:class:`FileContent`); the :class:`Attachment` record, journalled like any other, names the
file, its owner and its hash, so the journal never copies the bytes and two attachments of
the same file cost the space of one.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from vcsedesk.domain.errors import NotFoundError, UserError
from vcsedesk.services.base import Actor, Changes, Permission, UnitOfWork, require, unit_of_work
from vcsedesk.store.database import Database
from vcsedesk.store.models import Attachment, FileContent

#: The largest file accepted: a phone photo of a flipchart or a signed sheet, with room.
MAX_BYTES = 20 * 1024 * 1024

#: File kinds accepted, recognised by their first bytes: (signature, media type, label).
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG image"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG image"),
    (b"PK\x03\x04", "application/zip", "Office document"),
)
#: Plain text is accepted when it decodes as UTF-8 (notes typed up elsewhere).
_TEXT = "text/plain"
_OFFICE = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
ACCEPTED = "PDF, PNG or JPEG images, Word/Excel/PowerPoint or OpenDocument files, or plain text"


@dataclass(frozen=True)
class AttachmentInfo:
    id: uuid.UUID
    version: int
    filename: str
    media_type: str
    size: int
    sha256: str
    added_at: datetime


def media_type_of(filename: str, data: bytes) -> str:
    """The media type of ``data`` judged by its content; UserError if it is not a kind we keep."""
    for signature, media_type, _ in _SIGNATURES:
        if data.startswith(signature):
            if media_type == "application/zip":
                suffix = PurePath(filename).suffix.lower()
                if suffix not in _OFFICE:
                    break
                return _OFFICE[suffix]
            return media_type
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if b"\x00" not in data:
                return _TEXT
    raise UserError(f"“{filename}” is not a kind of file vcsedesk keeps. Attach {ACCEPTED}.")


def clean_filename(filename: str) -> str:
    """The file's own name, without any folder, control characters or surrounding space."""
    name = PurePath(filename.replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable()).strip()
    if not name:
        raise UserError("The attached file has no name.")
    return name[:255]


def attach(uow: UnitOfWork, owner_table: str, owner_id: uuid.UUID, filename: str, data: bytes) -> Attachment:
    """Check, hash and store ``data`` as an attachment of the record, inside ``uow``."""
    name = clean_filename(filename)
    if not data:
        raise UserError(f"“{name}” is empty.")
    if len(data) > MAX_BYTES:
        raise UserError(
            f"“{name}” is {len(data) / 1024 / 1024:.1f} MB; attachments can be at most "
            f"{MAX_BYTES // 1024 // 1024} MB. Reduce the photo's size or scan at a lower resolution."
        )
    media_type = media_type_of(name, data)
    digest = hashlib.sha256(data).hexdigest()
    session = uow.session
    if session.get(FileContent, digest) is None:
        session.add(FileContent(sha256=digest, size=len(data), content=data))
        session.flush()
    return uow.add(
        Attachment(
            owner_table=owner_table,
            owner_id=owner_id,
            filename=name,
            media_type=media_type,
            size=len(data),
            sha256=digest,
        ),
        summary=f"Attached {name}",
    )


def attach_file(db: Database, actor: Actor, owner_table: str, owner_id: uuid.UUID, path: Path) -> Changes:
    """Attach the file at ``path`` to a record, as one journalled change."""
    require(actor, Permission.EDIT_RECORDS)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UserError(
                f"“{path.name}” is {size / 1024 / 1024:.1f} MB; attachments can be at most "
                f"{MAX_BYTES // 1024 // 1024} MB."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"Could not read “{path}”: {exc.strerror or exc}.") from exc
    with unit_of_work(db, actor, f"Attached {clean_filename(path.name)}") as uow:
        attach(uow, owner_table, owner_id, path.name, data)
    return uow.changes


def remove_attachment(db: Database, actor: Actor, attachment_id: uuid.UUID, expected_version: int) -> Changes:
    """Take an attachment off its record (archived: undo brings it back)."""
    require(actor, Permission.EDIT_RECORDS)
    with unit_of_work(db, actor, "Removed an attachment") as uow:
        attachment = uow.get(Attachment, attachment_id)
        uow.archive(attachment, expected_version, summary=f"Removed attachment {attachment.filename}")
    return uow.changes


def attachments_of(session: Session, owner_table: str, owner_id: uuid.UUID) -> list[AttachmentInfo]:
    rows = session.scalars(
        select(Attachment)
        .where(
            Attachment.owner_table == owner_table,
            Attachment.owner_id == owner_id,
            Attachment.deleted_at.is_(None),
        )
        .order_by(Attachment.created_at, Attachment.filename)
    )
    return [
        AttachmentInfo(a.id, a.version, a.filename, a.media_type, a.size, a.sha256, a.created_at)
        for a in rows
    ]


def content(db: Database, attachment_id: uuid.UUID) -> tuple[str, bytes]:
    """The file name and bytes of an attachment, checked against its hash."""
    with db.read() as session:
        attachment = session.get(Attachment, attachment_id)
        if attachment is None:
            raise NotFoundError("That attachment no longer exists.")
        stored = session.get(FileContent, attachment.sha256)
        if stored is None or hashlib.sha256(stored.content).hexdigest() != attachment.sha256:
            raise UserError(
                f"The stored copy of “{attachment.filename}” is damaged (its checksum does not "
                "match). Restore a backup to recover it."
            )
        return attachment.filename, stored.content

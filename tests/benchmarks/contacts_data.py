"""Many contacts fast, for benchmarks: rows written straight through SQLAlchemy Core in the
shape the contacts service writes them (emails, phones, tags, wards, memberships, consent
lines and search documents), without journalling each one."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from vcsedesk.domain.phones import search_forms
from vcsedesk.store import search
from vcsedesk.store.database import Database
from vcsedesk.store.models import (
    ConsentRecord,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Membership,
    SearchDocument,
    Tag,
    Ward,
)

GIVEN = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Efua",
    "Finn",
    "Grace",
    "Hamza",
    "Ivy",
    "Jamal",
    "Kasia",
    "Liam",
    "Maya",
    "Noah",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Una",
    "Viktor",
    "Wen",
    "Xavier",
    "Yusuf",
    "Zoë",
]
FAMILY = [
    "Rahman",
    "Smith",
    "Jones",
    "Okafor",
    "Patel",
    "Nowak",
    "Williams",
    "Brown",
    "Khan",
    "Taylor",
    "Murphy",
    "O'Neill",
    "Evans",
    "Ali",
    "Begum",
    "Hughes",
    "Mensah",
    "de Souza",
]
WARDS = [
    "Bow East",
    "Bow West",
    "Bromley North",
    "Canary Wharf",
    "Lansbury",
    "Mile End",
    "Poplar",
    "Shadwell",
    "Spitalfields",
    "Stepney Green",
    "Weavers",
    "Whitechapel",
]
TAGS = [
    "Carer",
    "Drop-in",
    "Volunteer",
    "Food bank",
    "Youth",
    "Older people",
    "Mental health",
    "Housing",
    "Faith group",
    "Newsletter",
]


def fill(db: Database, n: int, *, seed: int = 7, batch: int = 5000) -> dict[str, Any]:
    """Add ``n`` contacts (about 2% organisations, 3% archived); returns some of what was made."""
    rnd = random.Random(seed)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    base = {"created_at": now, "version": 1}
    ward_ids = [uuid.UUID(int=rnd.getrandbits(128)) for _ in WARDS]
    tag_ids = [uuid.UUID(int=rnd.getrandbits(128)) for _ in TAGS]
    with db.write() as s:
        s.execute(
            insert(Ward),
            [{"id": i, "name": w, "updated_at": now, **base} for i, w in zip(ward_ids, WARDS, strict=True)],
        )
        s.execute(
            insert(Tag),
            [{"id": i, "name": t, "updated_at": now, **base} for i, t in zip(tag_ids, TAGS, strict=True)],
        )
    orgs: list[tuple[uuid.UUID, str]] = []
    made = 0
    while made < n:
        contacts, emails, phones, tags, members, consents, docs = [], [], [], [], [], [], []
        for i in range(made, min(n, made + batch)):
            cid = uuid.UUID(int=rnd.getrandbits(128))
            is_org = i % 50 == 0
            given, family = rnd.choice(GIVEN), rnd.choice(FAMILY)
            name = (
                f"{family} {rnd.choice(['Tenants', 'Carers', 'Voices'])} Group {i}"
                if is_org
                else f"{given} {family}"
            )
            postcode = (
                None
                if i % 9 == 0
                else f"E{rnd.randint(1, 20)} {rnd.randint(1, 9)}{rnd.choice('ABDEFGHJLNPQRSTUWXYZ')}{rnd.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            )
            ward = None if i % 7 == 0 else rnd.choice(ward_ids)
            updated = now + timedelta(minutes=rnd.randint(0, 500_000))
            contacts.append(
                {
                    "id": cid,
                    "kind": "organisation" if is_org else "person",
                    "name": name,
                    "given_name": None if is_org else given,
                    "family_name": None if is_org else family,
                    "postcode": postcode,
                    "ward_id": ward,
                    "interpreter_needed": i % 13 == 0,
                    "access_needs": ["Large print"] if i % 17 == 0 else [],
                    "notes": f"Note {i}",
                    "updated_at": updated,
                    "deleted_at": now if i % 33 == 0 else None,
                    **base,
                }
            )
            email = f"{given.lower()}.{family.lower().replace(' ', '').replace(chr(39), '')}{i}@example.org"
            emails.append(
                {
                    "id": uuid.UUID(int=rnd.getrandbits(128)),
                    "contact_id": cid,
                    "label": "home",
                    "address": email,
                    "updated_at": now,
                    **base,
                }
            )
            number = f"+447700{900000 + i % 1000:06d}"
            phones.append(
                {
                    "id": uuid.UUID(int=rnd.getrandbits(128)),
                    "contact_id": cid,
                    "label": "mobile",
                    "number": number,
                    "updated_at": now,
                    **base,
                }
            )
            chosen = rnd.sample(range(len(TAGS)), rnd.randint(0, 3))
            for t in chosen:
                tags.append(
                    {
                        "id": uuid.UUID(int=rnd.getrandbits(128)),
                        "contact_id": cid,
                        "tag_id": tag_ids[t],
                        "updated_at": now,
                        **base,
                    }
                )
            if is_org:
                orgs.append((cid, name))
            elif orgs and i % 4 == 0:
                members.append(
                    {
                        "id": uuid.UUID(int=rnd.getrandbits(128)),
                        "person_id": cid,
                        "organisation_id": rnd.choice(orgs)[0],
                        "role": "Member",
                        "updated_at": now,
                        **base,
                    }
                )
            if i % 3 == 0:
                consents.append(
                    {
                        "id": uuid.UUID(int=rnd.getrandbits(128)),
                        "contact_id": cid,
                        "purpose": "contact_email",
                        "status": rnd.choice(["given", "refused", "withdrawn"]),
                        "given_on": date(2025, 1, 1) + timedelta(days=i % 300),
                        "method": "verbal",
                        "updated_at": now,
                        **base,
                    }
                )
            if contacts[-1]["deleted_at"] is None:
                docs.append(
                    {
                        "kind": "contact",
                        "record_id": cid,
                        "body": search.body_of(
                            [name, given, family, email, *search_forms(number), postcode, "Note", str(i)]
                        ),
                    }
                )
        with db.write() as s:
            s.execute(insert(Contact), contacts)
            s.execute(insert(ContactEmail), emails)
            s.execute(insert(ContactPhone), phones)
            if tags:
                s.execute(insert(ContactTag), tags)
            if members:
                s.execute(insert(Membership), members)
            if consents:
                s.execute(insert(ConsentRecord), consents)
            s.execute(insert(SearchDocument), docs)
        made += len(contacts)
    if not db.is_sqlite:  # autovacuum would do this a little later on a real server
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return {"organisations": orgs, "wards": WARDS, "tags": TAGS}

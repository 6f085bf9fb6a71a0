"""Realistic fake data for screenshots, manual testing and benchmarks.

Every record is made through the same services a person uses, so demo data is journalled,
validated and shaped exactly like real data.  Each area adds its own generator here as it
lands; ``SIZES`` says how many of each record a size makes.

Contacts are validated with the contact form's rules and written through the import's bulk
path (services.imports.bulk_add_contacts) — one journalled change set — so the ``large``
size's 100,000 contacts take under two minutes on a 2-core laptop.  Telephone numbers come
only from Ofcom's ranges kept for drama and examples, so no demo number rings a real person;
there are about 15,000 of them, so at ``large`` size most contacts have none.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from faker import Faker

from vcsedesk.domain.contacts import ACCESS_NEEDS, ContactDraft, EmailEntry, PhoneEntry, clean_contact
from vcsedesk.domain.errors import UserError
from vcsedesk.domain.validation import Invalid, clean_postcode
from vcsedesk.services import contacts, imports, organisation, people, setup
from vcsedesk.services.base import Actor, Role, unit_of_work
from vcsedesk.store.database import Database


@dataclass(frozen=True)
class Size:
    users: int
    devices: int
    profile_edits: int
    contacts: int = 0
    #: People given a consent history through the consent service (journalled one by one).
    consenting: int = 0
    #: Engagement notes and the quotes in them (bulk, one change set), and follow-up actions.
    engagements: int = 0
    quotes: int = 0
    actions: int = 0
    #: Meetings through the meetings service, one a fortnight back from today.
    meetings: int = 0
    #: Reimbursement claims through the claims service, at every step of the workflow.
    claims: int = 0


SIZES = {
    "small": Size(
        users=8,
        devices=3,
        profile_edits=3,
        contacts=300,
        consenting=150,
        engagements=400,
        quotes=600,
        actions=60,
        meetings=12,
        claims=40,
    ),
    "large": Size(
        users=60,
        devices=20,
        profile_edits=40,
        contacts=100_000,
        consenting=1_000,
        engagements=200_000,
        quotes=300_000,
        actions=3_000,
        meetings=150,
        claims=1_500,
    ),
}

ORGANISATIONS = (
    "Riverside Community Voices",
    "Northfield Carers Together",
    "Canal Side Tenants' Association",
    "Hope Street Food Bank",
    "Open Door Peer Support",
)
ROLE_MIX = [Role.VOLUNTEER] * 6 + [Role.STAFF] * 3 + [Role.COORDINATOR] * 2 + [Role.ADMINISTRATOR]


@dataclass(frozen=True)
class DemoResult:
    organisation: str
    administrator: Actor
    users: int
    devices: int
    contacts: int = 0
    #: Engagement notes and quotes together.
    notes: int = 0


def load(db: Database, *, size: str, device_id: uuid.UUID, seed: int = 2026) -> DemoResult:
    """Fill an empty database with demo data of the given size."""
    if size not in SIZES:
        raise UserError(f"“{size}” is not a demo size; choose one of {', '.join(SIZES)}.")
    if setup.is_set_up(db):
        raise UserError(
            "This database already has an organisation in it. Demo data only goes into a new, "
            "empty data folder (use --data-dir to choose one)."
        )
    plan = SIZES[size]
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    rng = random.Random(seed)

    org_name = rng.choice(ORGANISATIONS)
    admin = setup.first_run(
        db,
        organisation_name=org_name,
        user_name=f"{fake.first_name()} {fake.last_name()}",
        user_email=fake.free_email(),
        device_id=device_id,
    )
    for _ in range(plan.devices - 1):
        setup.register_device(db, uuid.uuid4(), f"{fake.first_name()}'s laptop")

    profile = organisation.get_profile(db)
    assert profile is not None
    organisation.update_profile(
        db,
        admin,
        profile.version,
        charity_number=str(rng.randint(1_000_000, 1_209_999)),
        company_number=f"{rng.randint(1_000_000, 15_999_999):08d}",
        address=fake.street_address() + "\n" + fake.city(),
        postcode=fake.postcode(),
    )
    for _ in range(plan.users - 1):
        people.add_user(
            db,
            admin,
            name=f"{fake.first_name()} {fake.last_name()}",
            role=rng.choice(ROLE_MIX).value,
            email=fake.free_email(),
        )
    for _ in range(plan.profile_edits):
        profile = organisation.get_profile(db)
        assert profile is not None
        organisation.update_profile(db, admin, profile.version, retention_years=rng.choice([3, 5, 6, 7, 10]))
    made = add_contacts(db, admin, plan.contacts, fake, rng)
    add_consent(db, admin, plan.consenting, rng)
    from datetime import UTC, datetime

    from vcsedesk.services import demo_engagement

    today = datetime.now(UTC).date()
    notes = demo_engagement.add_engagements(
        db, admin, plan.engagements, plan.quotes, plan.actions, rng, today=today
    )
    demo_engagement.add_meetings(db, admin, plan.meetings, rng, today=today)
    from vcsedesk.services import demo_claims

    demo_claims.add_claims(db, admin, plan.claims, rng, today=today)
    from vcsedesk.services import demo_returns

    demo_returns.add_returns(db, admin, rng, today=today)
    return DemoResult(
        organisation=org_name,
        administrator=admin,
        users=plan.users,
        devices=plan.devices,
        contacts=made,
        notes=notes,
    )


# -- contacts ---------------------------------------------------------------------------------
WARDS = (
    "Riverside",
    "Northfield",
    "Canal Side",
    "Old Town",
    "Parkside",
    "St Mary's",
    "Hillcrest",
    "Brookfield",
    "Market Square",
    "Station Road",
    "Westgate",
    "Abbey Fields",
)
TAGS = (
    "Carer",
    "Volunteer",
    "Drop-in",
    "Young people",
    "Older people",
    "Mental health",
    "Food bank",
    "Partner",
    "Newsletter",
    "Refugee support",
    "Faith group",
    "Tenants",
)
ORGANISATION_TYPES = (
    "Charity",
    "Community group",
    "GP practice",
    "Council team",
    "Housing association",
    "Faith group",
    "School",
    "Social enterprise",
)
ORGANISATION_WORDS = (
    "Community",
    "Neighbours",
    "Carers",
    "Tenants",
    "Wellbeing",
    "Food Bank",
    "Youth",
    "Elders",
    "Refugee Welcome",
    "Peer Support",
    "Health Centre",
    "Mosque",
    "Church",
    "Gurdwara",
    "Allotment Society",
)
ROLES = ("Member", "Volunteer", "Trustee", "Chair", "Service user", "Staff", None)
LANGUAGES = ("Bengali", "Urdu", "Polish", "Somali", "Arabic", "Romanian", "Punjabi", "Gujarati", "Portuguese")
HOW_WE_MET = ("Drop-in", "Outreach", "Referral from GP", "Community event", "Word of mouth", "Website")
EMAIL_DOMAINS = ("example.org", "example.com", "example.net")
#: Ofcom's numbers for drama and examples (about 15,000; none rings anyone).
DRAMA_PREFIXES = (
    "07700 900",
    "0113 496 0",
    "0114 496 0",
    "0116 496 0",
    "0117 496 0",
    "0118 496 0",
    "0121 496 0",
    "0131 496 0",
    "0141 496 0",
    "0151 496 0",
    "0161 496 0",
    "020 7946 0",
    "0191 498 0",
    "029 2018 0",
)


def drama_numbers(rng: random.Random) -> Iterator[str]:
    """Every drama number once, in a random order."""
    numbers = [f"{prefix}{n:03d}" for prefix in DRAMA_PREFIXES for n in range(1000)]
    rng.shuffle(numbers)
    return iter(numbers)


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def _postcode(fake: Faker) -> str:
    """A postcode that passes our validation (Faker's en_GB ones usually do; retry if not)."""
    while True:
        try:
            value = clean_postcode(fake.postcode())
        except Invalid:
            continue
        if value:
            return value


def contact_drafts(
    count: int, fake: Faker, rng: random.Random
) -> Iterator[tuple[ContactDraft, str | None, str | None]]:
    """``count`` demo contacts (about 1 in 20 an organisation): (draft, organisation, role)."""
    organisations = max(1, count // 20)
    org_names: list[str] = []
    numbers = drama_numbers(rng)
    for i in range(count):
        phones: tuple[PhoneEntry, ...] = ()
        number = next(numbers, None) if rng.random() < 0.8 else None
        if number:
            phones = (PhoneEntry(number, "mobile" if number.startswith("07") else "home"),)
        if i < organisations:
            name = f"{fake.city()} {rng.choice(ORGANISATION_WORDS)}"
            if name in org_names:
                name = f"{name} {len(org_names) + 1}"
            org_names.append(name)
            yield (
                ContactDraft(
                    kind="organisation",
                    name=name,
                    organisation_type=rng.choice(ORGANISATION_TYPES),
                    emails=(EmailEntry(f"hello@{_ascii(name)[:40]}.{rng.choice(EMAIL_DOMAINS)}", "work"),),
                    phones=tuple(PhoneEntry(p.number, "work") for p in phones),
                    address=fake.street_address() + "\n" + fake.city(),
                    postcode=_postcode(fake),
                    ward=rng.choice(WARDS),
                    tags=("Partner",),
                ),
                None,
                None,
            )
            continue
        given, family = fake.first_name(), fake.last_name()
        language = rng.choice(LANGUAGES) if rng.random() < 0.1 else None
        member = rng.random() < 0.2
        yield (
            ContactDraft(
                given_name=given,
                family_name=family,
                emails=(EmailEntry(f"{_ascii(given)}.{_ascii(family)}{i}@{rng.choice(EMAIL_DOMAINS)}"),)
                if rng.random() < 0.85
                else (),
                phones=phones,
                address=fake.street_address() + "\n" + fake.city() if rng.random() < 0.7 else None,
                postcode=_postcode(fake) if rng.random() < 0.9 else None,
                ward=rng.choice(WARDS) if rng.random() < 0.8 else None,
                preferred_language=language,
                interpreter_needed=bool(language) and rng.random() < 0.5,
                access_needs=(rng.choice(ACCESS_NEEDS),) if rng.random() < 0.05 else (),
                how_we_met=rng.choice(HOW_WE_MET) if rng.random() < 0.5 else None,
                notes=fake.sentence(nb_words=12) if rng.random() < 0.3 else None,
                tags=tuple(rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2, 3]))),
            ),
            rng.choice(org_names) if member else None,
            rng.choice(ROLES) if member else None,
        )


def add_contacts(db: Database, admin: Actor, count: int, fake: Faker, rng: random.Random) -> int:
    """Add the wards and ``count`` contacts (people and organisations, with memberships and tags)."""
    if count <= 0:
        return 0
    for ward in WARDS:
        contacts.add_ward(db, admin, ward)
    items = []
    for draft, org, role in contact_drafts(count, fake, rng):
        item = imports.NewContact(clean_contact(draft))
        if org:
            item.organisations.append((org, role))
        items.append(item)
    with unit_of_work(db, admin, f"Added {count:,} demo contacts") as uow:
        imports.bulk_add_contacts(uow, items)
    return count


# -- consent ----------------------------------------------------------------------------------
def add_consent(db: Database, admin: Actor, count: int, rng: random.Random) -> None:
    """Give ``count`` people a realistic consent history: contact by email or phone, sharing
    anonymously or with their name, now and then a withdrawal, and reviews some of which are
    due."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from vcsedesk.services import consent
    from vcsedesk.store.models import Contact

    if count <= 0:
        return
    today = datetime.now(UTC).date()
    with db.read() as session:
        ids = list(
            session.scalars(
                select(Contact.id).where(Contact.kind == "person").order_by(Contact.name).limit(count)
            )
        )
    for contact_id in ids:
        given_on = today - timedelta(days=rng.randint(30, 700))
        method = rng.choice(["verbal", "written", "online"])
        review_on = given_on + timedelta(days=365) if rng.random() < 0.6 else None
        for purpose in rng.sample(["contact_email", "contact_phone", "contact_text", "contact_post"], 2):
            consent.record_consent(
                db,
                admin,
                contact_id,
                purpose=purpose,
                status="given",
                on=given_on,
                method=method,
                review_on=review_on,
                today=today,
            )
        sharing = rng.choice(["share_anonymously", "share_with_name"])
        status = "given" if rng.random() < 0.8 else "refused"
        consent.record_consent(
            db, admin, contact_id, purpose=sharing, status=status, on=given_on, method=method, today=today
        )
        if status == "given" and rng.random() < 0.1:
            consent.record_consent(
                db,
                admin,
                contact_id,
                purpose=sharing,
                status="withdrawn",
                on=min(today, given_on + timedelta(days=rng.randint(10, 200))),
                method="verbal",
                today=today,
            )

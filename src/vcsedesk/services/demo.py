"""Realistic fake data for screenshots, manual testing and benchmarks.

Every record is made through the same services a person uses, so demo data is journalled,
validated and shaped exactly like real data.  Each area adds its own generator here as it
lands; ``SIZES`` says how many of each record a size makes.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from faker import Faker

from vcsedesk.domain.errors import UserError
from vcsedesk.services import organisation, people, setup
from vcsedesk.services.base import Actor, Role
from vcsedesk.store.database import Database


@dataclass(frozen=True)
class Size:
    users: int
    devices: int
    profile_edits: int


SIZES = {
    "small": Size(users=8, devices=3, profile_edits=3),
    "large": Size(users=60, devices=20, profile_edits=40),
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
        user_name=fake.name(),
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
        people.add_user(db, admin, name=fake.name(), role=rng.choice(ROLE_MIX).value, email=fake.free_email())
    for _ in range(plan.profile_edits):
        profile = organisation.get_profile(db)
        assert profile is not None
        organisation.update_profile(db, admin, profile.version, retention_years=rng.choice([3, 5, 6, 7, 10]))
    return DemoResult(organisation=org_name, administrator=admin, users=plan.users, devices=plan.devices)

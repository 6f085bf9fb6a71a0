"""The claim form and remittance PDFs, from claims made, approved and paid through the service:
text read back with pypdf, pages rendered to PNG."""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pypdf import PdfReader

from vcsedesk.domain.claims import ClaimStatus, ItemEntry, PaymentChoice
from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft
from vcsedesk.domain.errors import UserError
from vcsedesk.io.claim_pdf import DECLARATION, long_date, write_claim_form, write_remittance
from vcsedesk.services import claims, contacts, engagement_lists, engagements, people
from vcsedesk.services.base import Actor
from vcsedesk.services.claims import ClaimDraft, ClaimView
from vcsedesk.store.database import Database

ACTIVITY = date(2026, 3, 3)
PAID_ON = date.today()  # a payment is recorded on or after its approval (now)
PRINTED = date(2026, 3, 11)
LINES = (
    ItemEntry("involvement", "Patient panel", 250, "hour"),  # 2.5 × £25.00 = £62.50
    ItemEntry("mileage", "Home to the hall and back", 1240),  # 12.4 × 45p = £5.58
    ItemEntry("fares", "Bus fares", cost_pence=350),
    ItemEntry("care_cover", "Childminder", cost_pence=950, has_receipt=True),
    ItemEntry("subsistence", "Lunch", cost_pence=800),
)
TOTAL = 6250 + 558 + 350 + 950 + 800


def page_texts(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def one_text(path: Path) -> str:
    return " ".join(page_texts(path))


def other_users(db: Database, admin: Actor) -> tuple[Actor, Actor]:
    """A coordinator who approves and a member of staff who pays."""
    people.add_user(db, admin, name="Priya Shah", role="coordinator")
    people.add_user(db, admin, name="Tom Reed", role="staff")
    ids = {u.name: u.id for u in people.list_users(db)}
    return (
        people.actor_for(db, ids["Priya Shah"], admin.device_id),
        people.actor_for(db, ids["Tom Reed"], admin.device_id),
    )


def claimant(db: Database, admin: Actor, given: str = "Aisha", family: str = "Rahman") -> uuid.UUID:
    draft = ContactDraft(
        given_name=given, family_name=family, address="Flat 3, 12 Mile End Road\nLondon", postcode="E1 4NS"
    )
    (cid,) = contacts.create_contact(db, admin, draft).created["contacts"]
    return cid


def forum(db: Database, admin: Actor, title: str = "Carers’ partnership forum") -> uuid.UUID:
    types = {t.name: t.id for t in engagement_lists.list_types(db)}
    draft = EngagementDraft(title=title, type_id=types["Event"], on_date=ACTIVITY, anonymous_count=12)
    (eid,) = engagements.add_engagement(db, admin, draft).created["engagements"]
    return eid


def paid_claim(db: Database, admin: Actor, draft: ClaimDraft) -> ClaimView:
    """``draft`` made and submitted by ``admin``, approved by a coordinator, paid by staff."""
    approver, payer = other_users(db, admin)
    (claim_id,) = claims.new_claim(db, admin, draft).created["claims"]
    view = claims.get_claim(db, claim_id, admin)
    claims.submit_claim(db, admin, claim_id, view.version)
    view = claims.get_claim(db, claim_id, approver)
    claims.approve_claim(db, approver, claim_id, view.version)
    view = claims.get_claim(db, claim_id, payer)
    method = {"decline": "", "donate": "bank_transfer"}.get(draft.choice, draft.choice)
    claims.mark_paid(db, payer, claim_id, view.version, PAID_ON, method, "BACS 0310")
    return claims.get_claim(db, claim_id, payer)


@pytest.fixture
def claim(db: Database, admin: Actor) -> ClaimView:
    draft = ClaimDraft(
        claimant_id=claimant(db, admin),
        tier="ongoing",
        activity_date=ACTIVITY,
        items=LINES,
        engagement_ids=(forum(db, admin),),
        choice="bank_transfer",
        notes="Came by bus one way; drove back.",
        payee_name="Aisha Rahman",
        sort_code="12-34-56",
        account_number="12345678",
    )
    return paid_claim(db, admin, draft)


def test_claim_form_has_the_claimant_lines_totals_and_declaration(claim: ClaimView, tmp_path: Path) -> None:
    assert claim.status is ClaimStatus.PAID and claim.total_pence == TOTAL  # the service's own sums
    path = tmp_path / "claim.pdf"
    pages = write_claim_form(claim, path, produced_on=PRINTED)
    texts = page_texts(path)
    assert pages == len(texts) == 1  # a claim of a few lines fits one page to sign
    text = texts[0]
    assert "Riverside Community Voices" in text and "Expenses and involvement claim" in text
    assert f"Claim {claim.number}" in text
    assert "Claimant Aisha Rahman" in text and "Flat 3, 12 Mile End Road London" in text
    assert "Activity date Tuesday 3 March 2026" in text
    assert "Carers’ partnership forum (3 Mar 2026)" in text
    assert "Ongoing involvement" in text
    table = text[text.index("Category Description Quantity Rate Amount") :]
    assert "Involvement time Patient panel 2.5 hours £25.00 an hour £62.50" in table
    assert "Mileage Home to the hall and back 12.4 miles £0.45 a mile £5.58" in table
    assert "Fares Bus fares At cost – £3.50" in table
    assert "Care cover Childminder Receipt attached. At cost – £9.50" in table
    assert "Subsistence Lunch At cost – £8.00" in table
    totals = text[text.index("Subsistence Lunch At cost – £8.00") + 30 :]
    assert (
        "Involvement time £62.50 Mileage £5.58 Fares £3.50 Care cover £9.50 Subsistence £8.00 "
        "Total claimed £89.08" in totals
    )
    assert "Bank transfer to account ****5678: £89.08 to be paid to the claimant." in text
    assert "12345678" not in text and "12-34-56" not in text  # the form shows the account masked
    assert "Came by bus one way; drove back." in text
    assert " ".join(DECLARATION.split()) in text
    assert "Signature of Aisha Rahman Date" in text
    assert "If you receive benefits." in text and "Citizens Advice" in text  # welfare-rights advice
    assert f"Claim {claim.number} — Aisha Rahman — printed 11 Mar 2026" in text
    assert "Page 1 of 1" in text


def choose(
    view: ClaimView, choice: PaymentChoice, *, take: int | None = None, charity: str | None = None
) -> ClaimView:
    """The same claim with another choice, as the service would show it."""
    payable = claims.payable_pence(choice, view.total_pence, take)
    return replace(view, choice=choice, take_pence=take, donate_to=charity, payable_pence=payable)


CHOICES = [
    (
        PaymentChoice.BANK_TRANSFER,
        None,
        None,
        "Bank transfer to account ****5678: £89.08 to be paid to the claimant.",
    ),
    (PaymentChoice.VOUCHER, None, None, "Voucher: £89.08 to be paid to the claimant."),
    (PaymentChoice.CASH, None, None, "Cash: £89.08 to be paid to the claimant."),
    (
        PaymentChoice.DECLINE,
        None,
        None,
        "Declined: no payment. The claimant chose not to be paid for this claim.",
    ),
    (PaymentChoice.VOUCHER, 5000, None, "Take less: £50.00 of £89.08, by voucher."),
    (
        PaymentChoice.BANK_TRANSFER,
        2500,
        None,
        "Take less: £25.00 of £89.08, by bank transfer to account ****5678.",
    ),
    (
        PaymentChoice.DONATE,
        None,
        "Mile End Food Bank",
        "Donated to Mile End Food Bank: £89.08 is paid to the charity, nothing to the claimant.",
    ),
]


def test_the_form_says_how_the_claimant_chose_to_be_paid(claim: ClaimView, tmp_path: Path) -> None:
    others = [words for _, _, _, words in CHOICES]
    for n, (choice, take, charity, words) in enumerate(CHOICES):
        path = tmp_path / f"claim-{n}.pdf"
        write_claim_form(choose(claim, choice, take=take, charity=charity), path, produced_on=PRINTED)
        text = one_text(path)
        assert words in text, (choice, take)
        assert not any(other in text for other in others if other != words)


def test_remittance_advice_says_what_was_paid_when_and_how(claim: ClaimView, tmp_path: Path) -> None:
    path = tmp_path / "remittance.pdf"
    assert write_remittance(claim, path, produced_on=PRINTED) == 1
    text = one_text(path)
    assert "Remittance advice" in text and f"Claim {claim.number}" in text
    assert "Claimant Aisha Rahman Address Flat 3, 12 Mile End Road London" in text
    assert "Your claim has been paid" in text
    assert f"Paid on {long_date(PAID_ON)}" in text
    assert "Method Bank transfer" in text and "Reference BACS 0310" in text and "Account ****5678" in text
    assert "Total claimed £89.08 Paid to you £89.08" in text
    assert "Involvement time £62.50 Mileage £5.58" in text
    assert "12345678" not in text

    less = tmp_path / "less.pdf"
    write_remittance(choose(claim, PaymentChoice.CASH, take=4000), less, produced_on=PRINTED)
    assert "Paid to you (you chose to take less) £40.00" in one_text(less)
    given = tmp_path / "given.pdf"
    write_remittance(
        choose(claim, PaymentChoice.DONATE, charity="Mile End Food Bank"), given, produced_on=PRINTED
    )
    text = one_text(given)
    assert "has been given to Mile End Food Bank" in text and "Paid to the charity £89.08" in text


def test_no_remittance_for_a_claim_not_yet_paid(claim: ClaimView, tmp_path: Path) -> None:
    path = tmp_path / "remittance.pdf"
    with pytest.raises(UserError, match=rf"Claim {claim.number} has not been paid yet \(approved\)"):
        write_remittance(replace(claim, status=ClaimStatus.APPROVED, paid_on=None), path)
    assert not path.exists()


def test_pages_render_to_png_with_a_logo(claim: ClaimView, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    PILImage.new("RGB", (240, 80), (30, 90, 160)).save(buffer, format="PNG")
    form, remittance = tmp_path / "claim.pdf", tmp_path / "remittance.pdf"
    write_claim_form(claim, form, logo=buffer.getvalue(), produced_on=PRINTED)
    write_remittance(claim, remittance, logo=buffer.getvalue(), produced_on=PRINTED)
    assert PdfReader(form).pages[0].images  # the logo is drawn
    for broken in (b"\x89PNG\r\n\x1a\nnot really", buffer.getvalue()[:60]):  # garbage; cut short
        write_claim_form(claim, tmp_path / "bad-logo.pdf", logo=broken, produced_on=PRINTED)
        assert not PdfReader(tmp_path / "bad-logo.pdf").pages[0].images  # left out, the form printed
    renderer = shutil.which("pdftoppm")
    if renderer is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed, so the pages cannot be rendered to PNG")
    for pdf_path in (form, remittance):
        stem = tmp_path / pdf_path.stem
        subprocess.run([renderer, "-png", "-r", "60", str(pdf_path), str(stem)], check=True, timeout=60)
        pngs = sorted(tmp_path.glob(f"{pdf_path.stem}-*.png"))
        assert len(pngs) == len(PdfReader(pdf_path).pages) >= 1
        assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and p.stat().st_size > 2000 for p in pngs)


def test_hostile_text_prints_literally(db: Database, admin: Actor, tmp_path: Path) -> None:
    hostile = "<b>&amp;</b> & ‘quotes’ £5"
    draft = ClaimDraft(
        claimant_id=claimant(db, admin, "Zoë <i>", "O’Brien & Co"),
        tier="one_off",
        activity_date=ACTIVITY,
        items=(ItemEntry("other", hostile, cost_pence=500), ItemEntry("parking", "=SUM(A1)", cost_pence=250)),
        engagement_ids=(forum(db, admin, "Tenants & <Residents>"),),
        choice="donate",
        donate_to="<Food> & Bank",
        notes="Line one\n<script>alert(1)</script>",
    )
    view = paid_claim(db, admin, draft)
    path = tmp_path / "claim.pdf"
    write_claim_form(view, path, produced_on=PRINTED)
    text = one_text(path)
    assert "Zoë <i> O’Brien & Co" in text
    assert hostile in text and "=SUM(A1)" in text
    assert "Tenants & <Residents> (3 Mar 2026)" in text
    assert "Donated to <Food> & Bank" in text
    assert "<script>alert(1)</script>" in text
    remittance = tmp_path / "remittance.pdf"
    write_remittance(view, remittance, produced_on=PRINTED)
    assert "given to <Food> & Bank" in one_text(remittance)


def test_a_long_claim_runs_over_pages_with_the_header_repeated(claim: ClaimView, tmp_path: Path) -> None:
    many = tuple(replace(claim.items[i % len(claim.items)], description=f"Line {i}") for i in range(80))
    path = tmp_path / "long.pdf"
    pages = write_claim_form(replace(claim, items=many), path, produced_on=PRINTED)
    texts = page_texts(path)
    assert pages == len(texts) >= 2
    for number, page in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in page
    assert sum(page.count("Category Description Quantity Rate Amount") for page in texts) >= 2
    assert "Line 0 " in texts[0] and "Line 79 " in " ".join(texts)
    assert "Signature of Aisha Rahman" in texts[-1]

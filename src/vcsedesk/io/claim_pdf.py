"""A reimbursement claim as A4 PDFs: the claim form a claimant signs, and the remittance advice
that tells them what was paid.

Both are built from a ``services.claims.ClaimView`` (io sits below services, so the shape is
named here as Protocols) with the shared pieces of :mod:`vcsedesk.io.pdf`: embedded fonts,
the organisation's name and "Page n of m" on every page, text from people printed exactly as
typed, and an atomic write.

**Claim form**: the organisation (and its logo, when one is given), the claim's number and
status; the claimant's name and address; the activity's date and what it was for; every line
(category, description, quantity with its unit, rate, amount), totals by category and the
grand total; the payment choice in words (bank transfer to the masked account, voucher, cash,
declined, taking less — "£x of £y" — or donated to a named charity); the declaration with
lines for a signature and the date; and the pointer to independent welfare-rights advice.

**Remittance advice**: to the claimant, for a paid claim: paid on, method, reference, what was
claimed, what was paid and to whom.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, Spacer, Table, TableStyle

from vcsedesk.domain.claims import (
    CATEGORY_LABELS,
    Category,
    ClaimStatus,
    PaymentChoice,
    Tier,
    TimeUnit,
    pence_text,
)
from vcsedesk.domain.errors import UserError
from vcsedesk.io import pdf
from vcsedesk.io.pdf import day_text, markup

DECLARATION = (
    "I confirm these expenses were incurred by me in taking part, and I have not claimed them "
    "elsewhere. The information on this form is correct."
)
EARNINGS_NOTE = (
    "Repaid out-of-pocket expenses do not usually affect benefits; an involvement payment may "
    "count as earnings. You may decline a payment, take less, take a voucher or have it given "
    "to a charity."
)
#: The longest a logo is drawn (it keeps its proportions).
LOGO_HEIGHT = 18 * mm
LOGO_WIDTH = 45 * mm  # beside the title, which is 118 mm wide at most


# -- what the PDFs need of a claim ------------------------------------------------------------
class ClaimLine(Protocol):
    @property
    def category(self) -> Category: ...
    @property
    def description(self) -> str: ...
    @property
    def quantity_centi(self) -> int: ...
    @property
    def unit(self) -> TimeUnit | None: ...
    @property
    def rate_pence(self) -> int: ...
    @property
    def amount_pence(self) -> int: ...
    @property
    def has_receipt(self) -> bool: ...
    @property
    def needs_receipt(self) -> bool: ...


class PrintableClaim(Protocol):
    @property
    def number(self) -> str: ...
    @property
    def status(self) -> ClaimStatus: ...
    @property
    def claimant_name(self) -> str: ...
    @property
    def claimant_address(self) -> str | None: ...
    @property
    def tier(self) -> Tier: ...
    @property
    def activity_date(self) -> date: ...
    @property
    def items(self) -> Sequence[ClaimLine]: ...
    @property
    def total_pence(self) -> int: ...
    @property
    def payable_pence(self) -> int: ...
    @property
    def by_category(self) -> Mapping[Category, int]: ...
    @property
    def choice(self) -> PaymentChoice: ...
    @property
    def take_pence(self) -> int | None: ...
    @property
    def donate_to(self) -> str | None: ...
    @property
    def notes(self) -> str: ...
    @property
    def budget_name(self) -> str | None: ...
    @property
    def engagements(self) -> Sequence[tuple[object, date, str]]: ...
    @property
    def meetings(self) -> Sequence[tuple[object, date, str]]: ...
    @property
    def payee_name(self) -> str | None: ...
    @property
    def masked_account(self) -> str | None: ...
    @property
    def paid_on(self) -> date | None: ...
    @property
    def payment_method(self) -> str | None: ...
    @property
    def payment_reference(self) -> str | None: ...
    @property
    def organisation(self) -> str: ...
    @property
    def advice(self) -> str: ...


# -- words ------------------------------------------------------------------------------------
def long_date(day: date) -> str:
    """ "Tuesday 3 March 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _number(centi: int) -> str:
    """Hundredths as a plain number: 250 → "2.5", 100 → "1", 1234 → "12.34"."""
    whole, rest = divmod(centi, 100)
    if rest == 0:
        return f"{whole:,}"
    return f"{whole:,}.{rest:02d}".rstrip("0")


_UNIT_WORDS = {
    TimeUnit.HOUR: ("hour", "hours"),
    TimeUnit.HALF_DAY: ("half day", "half days"),
    TimeUnit.FULL_DAY: ("full day", "full days"),
}


def quantity_text(line: ClaimLine) -> str:
    """ "2.5 hours", "1 half day", "12.4 miles"; "At cost" for an expense."""
    amount = _number(line.quantity_centi)
    if line.category is Category.INVOLVEMENT and line.unit is not None:
        one, many = _UNIT_WORDS[line.unit]
        return f"{amount} {one if line.quantity_centi == 100 else many}"
    if line.category is Category.MILEAGE:
        return f"{amount} {'mile' if line.quantity_centi == 100 else 'miles'}"
    return "At cost" if line.quantity_centi == 100 else amount


def rate_text(line: ClaimLine) -> str:
    """ "£25.00 an hour", "£0.45 a mile"; "–" for an expense at cost."""
    if line.category is Category.INVOLVEMENT and line.unit is not None:
        unit = _UNIT_WORDS[line.unit][0]
        return f"{pence_text(line.rate_pence)} {'an' if unit == 'hour' else 'a'} {unit}"
    if line.category is Category.MILEAGE:
        return f"{pence_text(line.rate_pence)} a mile"
    return "–" if line.quantity_centi == 100 else pence_text(line.rate_pence)


def method_text(method: str | None) -> str:
    """A payment method as stored ("bank_transfer") in words; free text as typed."""
    if not method:
        return "–"
    try:
        choice = PaymentChoice(method)
    except ValueError:
        return method
    return {PaymentChoice.DONATE: "Paid to the charity", PaymentChoice.DECLINE: "No payment"}.get(
        choice, choice.label
    )


def taking_less(view: PrintableClaim) -> bool:
    return view.take_pence is not None and view.choice.pays_claimant and view.take_pence < view.total_pence


def donation_pence(view: PrintableClaim) -> int:
    """What goes to the charity named, for a claim given away: the whole total (else 0)."""
    return view.total_pence if view.choice is PaymentChoice.DONATE else 0


def choice_text(view: PrintableClaim) -> str:
    """The claimant's choice in one line, as the form prints it (plain text)."""
    total = pence_text(view.total_pence)
    if view.choice is PaymentChoice.DECLINE:
        return "Declined: no payment. The claimant chose not to be paid for this claim."
    if view.choice is PaymentChoice.DONATE:
        charity = view.donate_to or "a charity (not named)"
        return f"Donated to {charity}: {pence_text(donation_pence(view))} is paid to the charity, nothing to the claimant."
    how = view.choice.label
    if view.choice is PaymentChoice.BANK_TRANSFER and view.masked_account:
        how = f"Bank transfer to account {view.masked_account}"
        if view.payee_name and view.payee_name != view.claimant_name:
            how += f" ({view.payee_name})"
    if taking_less(view):
        assert view.take_pence is not None
        return f"Take less: {pence_text(view.take_pence)} of {total}, by {how[0].lower() + how[1:]}."
    return f"{how}: {pence_text(view.payable_pence)} to be paid to the claimant."


def _for_what(view: PrintableClaim) -> list[str]:
    links = sorted([*view.engagements, *view.meetings], key=lambda link: (link[1], link[2].casefold()))
    return [f"{title} ({day_text(on)})" for _, on, title in links]


# -- building blocks --------------------------------------------------------------------------
def _right(style: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-right", parent=style, alignment=TA_RIGHT)


def _logo(data: bytes | None) -> Image | None:
    """The organisation's logo scaled to fit the top of the page, or None if there is none
    or it cannot be read (a damaged logo never stops a claim form)."""
    if not data:
        return None
    try:
        reader = ImageReader(io.BytesIO(data))
        width, height = reader.getSize()
        reader.getRGBData()  # decoded in full now: a truncated file would fail only when drawn
    except Exception:  # any image reportlab cannot decode: print without it
        return None
    if width <= 0 or height <= 0:
        return None
    scale = min(LOGO_HEIGHT / height, LOGO_WIDTH / width)
    image = Image(io.BytesIO(data), width=width * scale, height=height * scale)
    image.hAlign = "RIGHT"
    return image


def _lines_table(view: PrintableClaim) -> Flowable:
    st = pdf.styles()
    right = _right(st.cell)
    frame = pdf.PageSetup("", "").frame_width
    pad = 9
    amount_w = max(pdf.text_width("Amount", pdf.FONT_BOLD), pdf.text_width("£10,000.00")) + pad
    rate_w = pdf.text_width("£150.00 a full day") + pad
    qty_w = pdf.text_width("10.5 half days") + pad
    cat_w = pdf.text_width("Involvement time") + pad
    desc_w = frame - amount_w - rate_w - qty_w - cat_w
    rows = []
    for line in view.items:
        description: list[Flowable] | str = line.description or "–"
        receipt = ""
        if line.has_receipt:
            receipt = "Receipt attached."
        elif line.needs_receipt:
            receipt = "Receipt needed."
        if receipt:
            description = [
                Paragraph(markup(line.description or "–"), st.cell),
                Paragraph(receipt, st.small),
            ]
        rows.append(
            [
                line.category.label,
                description,
                quantity_text(line),
                rate_text(line),
                Paragraph(pence_text(line.amount_pence), right),
            ]
        )
    return pdf.LongTable(
        ["Category", "Description", "Quantity", "Rate", "Amount"],
        rows,
        [cat_w, desc_w, qty_w, rate_w, amount_w],
    )


def _totals_table(
    rows: Sequence[tuple[str, int]], grand: tuple[str, int], *, width: float, subtotal: bool = False
) -> Table:
    """Labels and amounts, right-aligned, the last row bold below a rule; with ``subtotal``
    a thin rule above the last of ``rows`` too."""
    st = pdf.styles()
    right, right_bold = _right(st.cell), _right(st.cell_bold)
    data = [[Paragraph(markup(label), st.cell), Paragraph(pence_text(pence), right)] for label, pence in rows]
    data.append([Paragraph(markup(grand[0]), st.cell_bold), Paragraph(pence_text(grand[1]), right_bold)])
    amount_w = pdf.text_width("£10,000.00", pdf.FONT_BOLD) + 12
    table = Table(data, colWidths=[width - amount_w, amount_w], hAlign="RIGHT")
    rules = [("LINEABOVE", (0, -2), (-1, -2), 0.4, pdf.RULE)] if subtotal and len(rows) > 1 else []
    table.setStyle(
        TableStyle(
            [
                *rules,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, -1), (-1, -1), 3),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 3),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, pdf.INK),
                ("BACKGROUND", (0, -1), (-1, -1), pdf.STRIPE_FILL),
            ]
        )
    )
    return table


def _boxed(flowables: list[Flowable], *, fill: colors.Color = pdf.STRIPE_FILL) -> Table:
    """Flowables in a lightly filled, ruled box the width of the page."""
    box = Table([[flowables]], colWidths=[pdf.PageSetup("", "").frame_width], hAlign="LEFT")
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, pdf.RULE),
                ("BACKGROUND", (0, 0), (-1, -1), fill),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return box


def _advice_box(view: PrintableClaim) -> Table:
    """What payments may mean for benefits, and where to get independent advice."""
    st = pdf.styles()
    advice: list[Flowable] = [
        Paragraph(f"<b>If you receive benefits.</b> {markup(EARNINGS_NOTE)}", st.body),
        *pdf.paragraphs(view.advice, st.body),
    ]
    return _boxed(advice)


def _signature_block(name: str) -> Table:
    """Lines to sign and date on, with the claimant's name printed beneath."""
    st = pdf.styles()
    frame = pdf.PageSetup("", "").frame_width
    gap = 10 * mm
    data = [
        ["", "", ""],
        [Paragraph(f"Signature of {markup(name)}", st.small), "", Paragraph("Date", st.small)],
    ]
    table = Table(data, colWidths=[frame * 0.6, gap, frame * 0.4 - gap], rowHeights=[12 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (0, 0), 0.8, pdf.INK),
                ("LINEBELOW", (2, 0), (2, 0), 0.8, pdf.INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _side_by_side(left: Flowable, right: Flowable) -> Table:
    """Two blocks in columns: the left 45% of the page, the right the rest."""
    frame = pdf.PageSetup("", "").frame_width
    table = Table([[left, right]], colWidths=[frame * 0.45, frame * 0.55], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 8),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _heading_block(view: PrintableClaim, title: str, logo: bytes | None) -> list[Flowable]:
    """The document's title and the claim's number; the logo, if any, at the right of them."""
    st = pdf.styles()
    words: list[Flowable] = [
        Paragraph(markup(title), ParagraphStyle("claim-title", parent=st.title, fontSize=18, leading=23)),
        Paragraph(
            f"Claim {markup(view.number)}",
            ParagraphStyle("claim-subtitle", parent=st.subtitle, fontSize=14, leading=18, spaceAfter=8),
        ),
    ]
    image = _logo(logo)
    if image is None:
        return words
    frame = pdf.PageSetup("", "").frame_width
    room = image.drawWidth + 6 * mm
    table = Table([[words, image]], colWidths=[frame - room, room], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return [table]


def _claimant(view: PrintableClaim) -> list[tuple[str, str]]:
    pairs = [("Claimant", view.claimant_name)]
    if view.claimant_address:
        pairs.append(("Address", view.claimant_address))
    return pairs


# -- the claim form ---------------------------------------------------------------------------
def claim_form_story(view: PrintableClaim, *, logo: bytes | None = None) -> list[Flowable]:
    st = pdf.styles()
    frame = pdf.PageSetup("", "").frame_width
    flow = _heading_block(view, "Expenses and involvement claim", logo)
    who = [*_claimant(view), ("Status", view.status.label)]
    activity = [("Activity date", long_date(view.activity_date)), ("Involvement", view.tier.label)]
    what = _for_what(view)
    if what:
        activity.append(("For", "\n".join(what)))
    if view.budget_name:
        activity.append(("Budget", view.budget_name))
    flow.append(_side_by_side(pdf.key_values(who, label_width=22 * mm), pdf.key_values(activity)))

    count = f"{len(view.items)} {'line' if len(view.items) == 1 else 'lines'}"
    flow += pdf.heading(f"What is claimed ({count})", st.subheading)
    if view.items:
        flow.append(_lines_table(view))
    else:
        flow.append(Paragraph("No lines have been entered.", st.note))

    ordered = [c for c in Category if c in view.by_category]
    totals = [(CATEGORY_LABELS[c], view.by_category[c]) for c in ordered]
    flow.append(Spacer(1, 2 * mm))
    flow.append(_totals_table(totals, ("Total claimed", view.total_pence), width=frame * 0.5))

    flow += pdf.heading("Payment", st.subheading, room=40)
    flow.append(Paragraph(markup(choice_text(view)), st.body))
    if view.notes:
        flow += pdf.heading("Notes", st.label, room=30)
        flow += pdf.paragraphs(view.notes, st.body)

    flow += [Spacer(1, 3 * mm), _advice_box(view)]
    declaration: list[Flowable] = [
        Paragraph("Declaration", ParagraphStyle("declaration", parent=st.label, spaceBefore=8)),
        Paragraph(markup(DECLARATION), st.body),
        _signature_block(view.claimant_name),
    ]
    flow.append(KeepTogether(declaration))
    return flow


def _footer(view: PrintableClaim, produced_on: date | None) -> str:
    """ "Claim 2026-014 — Aisha Rahman — printed 4 Mar 2026" at the foot of every page."""
    day = produced_on or datetime.now(UTC).date()
    return f"Claim {view.number} — {view.claimant_name} — printed {day_text(day)}"


def write_claim_form(
    view: PrintableClaim, path: Path, *, logo: bytes | None = None, produced_on: date | None = None
) -> int:
    """Write the claim form for ``view`` to ``path`` (A4 PDF, atomically); ``logo`` is the
    organisation's logo (PNG or JPEG bytes) if it has one.  Returns the number of pages."""
    setup = pdf.PageSetup(
        organisation=view.organisation,
        title=f"Claim form {view.number}",
        subject=f"Claim {view.number} by {view.claimant_name}, {day_text(view.activity_date)}",
        footer=_footer(view, produced_on),
    )
    return pdf.build(Path(path), claim_form_story(view, logo=logo), setup)


# -- the remittance advice --------------------------------------------------------------------
def remittance_story(view: PrintableClaim, *, logo: bytes | None = None) -> list[Flowable]:
    st = pdf.styles()
    frame = pdf.PageSetup("", "").frame_width
    assert view.paid_on is not None
    flow = _heading_block(view, "Remittance advice", logo)
    flow.append(pdf.key_values(_claimant(view), label_width=32 * mm))
    flow.append(Spacer(1, 4 * mm))
    if view.choice is PaymentChoice.DONATE:
        opening = (
            f"Thank you for taking part. As you asked, the payment for your claim has been given to "
            f"{markup(view.donate_to or 'the charity you chose')}."
        )
    elif view.choice is PaymentChoice.DECLINE:
        opening = "Thank you for taking part. As you asked, no payment has been made for this claim."
    else:
        opening = "Thank you for taking part. Your claim has been paid, as set out below."
    flow.append(Paragraph(opening, st.body))

    paid = [
        ("Claim", view.number),
        ("Activity date", long_date(view.activity_date)),
    ]
    what = _for_what(view)
    if what:
        paid.append(("For", "\n".join(what)))
    paid += [
        ("Paid on", long_date(view.paid_on)),
        ("Method", method_text(view.payment_method)),
        ("Reference", view.payment_reference or "–"),
    ]
    if view.choice is PaymentChoice.DONATE:
        paid.append(("Paid to", view.donate_to or "–"))
    elif view.choice is PaymentChoice.BANK_TRANSFER and view.masked_account:
        paid.append(("Account", view.masked_account))
    flow += pdf.heading("Payment", st.heading)
    flow.append(pdf.key_values(paid, label_width=32 * mm))

    flow += pdf.heading("Amounts", st.heading)
    ordered = [c for c in Category if c in view.by_category]
    rows = [(CATEGORY_LABELS[c], view.by_category[c]) for c in ordered]
    rows.append(("Total claimed", view.total_pence))
    if view.choice is PaymentChoice.DONATE:
        grand = ("Paid to the charity", donation_pence(view))
    elif view.choice is PaymentChoice.DECLINE:
        grand = ("Paid to you (declined)", 0)
    elif taking_less(view):
        grand = ("Paid to you (you chose to take less)", view.payable_pence)
    else:
        grand = ("Paid to you", view.payable_pence)
    flow.append(_totals_table(rows, grand, width=frame * 0.6, subtotal=True))

    flow += [Spacer(1, 8 * mm), _advice_box(view)]
    flow.append(Spacer(1, 6 * mm))
    flow.append(
        Paragraph(
            "Please keep this advice with your records. If anything here is not what you expected, "
            f"contact {markup(view.organisation or 'us')} and quote claim {markup(view.number)}.",
            st.body,
        )
    )
    return flow


def write_remittance(
    view: PrintableClaim, path: Path, *, logo: bytes | None = None, produced_on: date | None = None
) -> int:
    """Write the remittance advice for a paid claim to ``path`` (A4 PDF, atomically); a claim
    not yet paid is refused with a UserError.  Returns the number of pages."""
    if view.status is not ClaimStatus.PAID or view.paid_on is None:
        raise UserError(
            f"Claim {view.number} has not been paid yet ({view.status.label.lower()}), so there is "
            "no remittance advice to print."
        )
    setup = pdf.PageSetup(
        organisation=view.organisation,
        title=f"Remittance advice {view.number}",
        subject=f"Remittance advice for claim {view.number}, paid {day_text(view.paid_on)}",
        footer=_footer(view, produced_on),
    )
    return pdf.build(Path(path), remittance_story(view, logo=logo), setup)

"""“What happened next”: a short, plain-English A4 PDF for the people who took part, made from
a return's ``ReturnContent`` alone.

What we heard (the themes raised most, in words, and a few of people's own words), what the
partnership did about it (the actions section's "you said, we did" responses, with what they
influenced and when), and thanks.  Large type (body 13 pt).  It prints no count tables — so
nothing suppressed — no figure about anyone, and no name but those of speakers who agreed to
be named with their quote.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from vcsedesk.domain.returns import (
    ActionsSection,
    QuotesSection,
    ReachSection,
    ReturnContent,
    ThemesSection,
    short_hash,
)
from vcsedesk.io import pdf
from vcsedesk.io.pdf import markup
from vcsedesk.io.return_pdf import logo_bytes, logo_image, long_day

TITLE = "What happened next"
#: How many themes and quotes the summary names at most.
TOP_THEMES = 5
QUOTES = 3
#: A quote longer than this is left for the full return.
QUOTE_LENGTH = 320
BODY = 13.0


@dataclass(frozen=True)
class _Big:
    kicker: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    theme: ParagraphStyle
    body: ParagraphStyle
    bullet: ParagraphStyle
    quote: ParagraphStyle
    who: ParagraphStyle
    date: ParagraphStyle


@functools.cache
def _styles() -> _Big:
    st = pdf.styles()
    body = ParagraphStyle("big-body", parent=st.body, fontSize=BODY, leading=BODY * 1.45, spaceAfter=6)
    return _Big(
        kicker=ParagraphStyle("big-kicker", parent=st.kicker, fontSize=14, leading=18),
        title=ParagraphStyle("big-title", parent=st.title, fontSize=28, leading=34, spaceAfter=4),
        subtitle=ParagraphStyle("big-subtitle", parent=st.subtitle, fontSize=17, leading=23),
        heading=ParagraphStyle(
            "big-heading", parent=st.heading, fontSize=19, leading=24, spaceBefore=16, spaceAfter=8
        ),
        theme=ParagraphStyle(
            "big-theme",
            parent=body,
            fontName=pdf.FONT_BOLD,
            fontSize=14,
            leading=19,
            spaceBefore=8,
            spaceAfter=2,
        ),
        body=body,
        bullet=ParagraphStyle("big-bullet", parent=body, leftIndent=18, bulletIndent=4, bulletFontSize=BODY),
        quote=ParagraphStyle(
            "big-quote", parent=body, fontName=pdf.FONT_ITALIC, leftIndent=18, rightIndent=12, spaceAfter=2
        ),
        who=ParagraphStyle("big-who", parent=body, leftIndent=18, textColor=pdf.MUTED, spaceAfter=10),
        date=ParagraphStyle("big-date", parent=body, fontSize=12, leading=16, textColor=pdf.MUTED),
    )


def theme_words(theme: str) -> str:
    """ "Primary care › Getting a GP appointment" → "Getting a GP appointment (primary care)"."""
    parts = [p.strip() for p in theme.split("›") if p.strip()]
    if len(parts) < 2:
        return theme.strip()
    parent = " › ".join(parts[:-1])
    return f"{parts[-1]} ({parent[:1].lower() + parent[1:]})"


def _when(period_words: str) -> str:
    """ "From July to September 2025" / "In July 2025"."""
    return f"From {period_words}" if " to " in period_words else f"In {period_words}"


def story(content: ReturnContent, *, content_hash: str) -> list[Flowable]:
    big = _styles()
    org = content.organisation or "We"
    flow: list[Flowable] = []
    image = logo_image(logo_bytes(content), height=25 * mm, width=70 * mm)
    if image is not None:
        flow += [image, Spacer(1, 6 * mm)]
    if content.organisation:
        flow.append(Paragraph(markup(content.organisation), big.kicker))
    flow.append(Paragraph(TITLE, big.title))
    flow.append(Paragraph(markup(content.period_words), big.subtitle))

    reach = content.section("reach")
    told = f"{_when(content.period_words)}, {markup(org)} listened to people"
    if isinstance(reach, ReachSection) and reach.engagements.value:
        told += f" at {reach.engagements.value:,} drop-ins, events and conversations"
    told += "."
    if content.partnership:
        told += f" We passed what you said to {markup(content.partnership)}."
    told += " Here is what we heard, and what happened next."
    flow.append(Paragraph(told, big.body))

    themes = content.section("themes")
    quotes = content.section("quotes")
    heard = isinstance(themes, ThemesSection) and themes.themes
    chosen = (
        [q for q in quotes.quotes if len(q.text) <= QUOTE_LENGTH][:QUOTES]
        if isinstance(quotes, QuotesSection)
        else []
    )
    if heard or chosen:
        flow += pdf.heading("What we heard", big.heading, room=90)
    if isinstance(themes, ThemesSection) and themes.themes:
        flow.append(Paragraph("The things people raised most often were:", big.body))
        for rank in themes.themes[:TOP_THEMES]:
            flow.append(pdf.bullet(markup(theme_words(rank.theme)), big.bullet))
    if chosen:
        flow.append(Paragraph("In your own words:", big.body))
        for quote in chosen:
            flow.append(
                KeepTogether(
                    [
                        Paragraph(f"“{markup(quote.text)}”", big.quote),
                        Paragraph(f"— {markup(quote.attribution or 'Anonymous')}", big.who),
                    ]
                )
            )

    flow += pdf.heading("What the partnership did", big.heading, room=90)
    actions = content.section("actions")
    responses = actions.responses if isinstance(actions, ActionsSection) else ()
    if not responses:
        flow.append(
            Paragraph(
                "The partnership has not yet told us what it will do about what you said. "
                "We will let you know when it does.",
                big.body,
            )
        )
    for response in responses:
        block: list[Flowable] = [Paragraph(markup(theme_words(response.theme)), big.theme)]
        block.append(Paragraph(f"<b>You said:</b> {markup(response.you_said)}", big.body))
        block.append(Paragraph(f"<b>We did:</b> {markup(response.we_did)}", big.body))
        if response.decision:
            block.append(Paragraph(f"<b>What changed:</b> {markup(response.decision)}", big.body))
        if response.responded_on:
            block.append(Paragraph(f"Date: {markup(long_day(response.responded_on))}", big.date))
        flow.append(KeepTogether(block))

    flow += pdf.heading("Thank you", big.heading, room=90)
    flow.append(
        Paragraph(
            "Thank you for giving your time and telling us about your experiences. "
            "What you said is being heard, and it is making a difference.",
            big.body,
        )
    )
    ask = f"If you would like to know more, or to tell us something else, please get in touch with {markup(org)}."
    if org == "We":
        ask = "If you would like to know more, or to tell us something else, please get in touch with us."
    flow.append(Paragraph(ask, big.body))
    return flow


def write_outcomes_pdf(path: Path, content: ReturnContent, *, content_hash: str) -> int:
    """Write "What happened next" for ``content`` to ``path`` (A4 PDF, atomically; the same
    content gives the same bytes).  Returns the number of pages."""
    setup = pdf.PageSetup(
        organisation=content.organisation,
        title=TITLE,
        subject=f"{TITLE} — {content.period_words}",
        footer=f"{TITLE}: {content.period_words} — from return {short_hash(content_hash)}",
        invariant=True,
        keywords=(f"content-hash:{content_hash}",),
    )
    return pdf.build(Path(path), story(content, content_hash=content_hash), setup)

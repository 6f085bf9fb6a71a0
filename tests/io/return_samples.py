"""A realistic, hand-made partnership return (``ReturnContent``) for the xlsx and PDF tests.

Every section kind is here, in a template's usual order; count tables with small numbers
suppressed ("<5") and a second cell hidden ("*"); 32 quotes (two with a name, one with
mark-up, some starting with = + - @); reimbursements by category; a list of actions as long as
asked; "you said, we did" responses; narrative answers, one of them empty.
"""

from __future__ import annotations

import base64
import dataclasses
import io
from datetime import UTC, datetime

from PIL import Image, ImageDraw

from vcsedesk.domain.returns import (
    ActionItem,
    ActionsSection,
    Answer,
    CountTable,
    DemographicsSection,
    Figure,
    Money,
    NarrativeSection,
    QuoteItem,
    QuotesSection,
    ReachSection,
    ReimbursementsSection,
    ResponseItem,
    ReturnContent,
    ThemeRank,
    ThemesSection,
)

FROZEN_AT = datetime(2025, 10, 3, 14, 2, tzinfo=UTC)
STATUSES = ("Open", "In progress", "Done", "Done", "Cancelled")
#: Text that a spreadsheet would run as a formula if it were not neutralised.
FORMULA_QUOTE = '=HYPERLINK("http://example.com","click") is what the letter said'
FORMULA_ANSWER = "@SUM(1,2) - we were told to ring back"


def logo_png(width: int = 240, height: int = 90) -> bytes:
    """A small logo: a coloured band and a circle, as PNG bytes (made the same every time)."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height // 4), fill=(24, 92, 140))
    draw.ellipse((10, height // 3, 10 + height // 2, height // 3 + height // 2), fill=(230, 120, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def count_table(
    title: str,
    row_heading: str,
    rows: tuple[str, ...],
    columns: tuple[str, ...],
    shown: tuple[tuple[str, ...], ...],
    note: str = "",
) -> CountTable:
    refs = tuple(
        tuple(f"people:{title.lower().replace(' ', '_')}={r},{c}" for c in range(len(columns) + 1))
        for r in range(len(rows) + 1)
    )
    return CountTable(title, row_heading, rows, columns, shown, refs, note)


def reach() -> ReachSection:
    types = (
        ("Drop-in", 14),
        ("Event", 8),
        ("One-to-one", 9),
        ("Focus group", 4),
        ("Outreach", 5),
        ("Phone call", 2),
    )
    wards = (("Riverside", 12), ("Northfield", 10), ("Castle", 9), ("Southbank", 8))
    return ReachSection(
        heading="Who we reached",
        intro=(
            "We listened at drop-ins, events and one-to-one conversations across four wards, "
            "and online. People reached counts each named person once, plus those counted "
            "without names at busy events."
        ),
        engagements=Figure("Engagements", 42, "engagements:"),
        by_type=tuple(Figure(name, n, f"engagements:type={name}") for name, n in types),
        named_people=Figure("Named people", 118, "people:named"),
        headcount=Figure("Counted without names", 192, "engagements:headcount"),
        people_reached=Figure("People reached", 310, "people:reached"),
        online=Figure("Online engagements", 3, "engagements:online=1"),
        by_ward=tuple(Figure(name, n, f"engagements:ward={name}") for name, n in wards),
        headcount_groups=(
            Figure("Parents at the school gate", 64, "headcount:group=parents"),
            Figure("Market stall visitors", 128, "headcount:group=market"),
        ),
        people_by_ward=count_table(
            "People by ward",
            "Ward",
            ("Riverside", "Northfield", "Castle", "Southbank", "Not known"),
            ("People",),
            (("51", "51"), ("37", "37"), ("*", "*"), ("<5", "<5"), ("0", "0"), ("118", "118")),
        ),
        seldom_heard=count_table(
            "Seldom-heard groups reached",
            "Group",
            (
                "Refugees and asylum seekers",
                "People experiencing homelessness",
                "Gypsy, Roma and Traveller communities",
                "Unpaid carers",
            ),
            ("People",),
            (("6", "6"), ("<5", "<5"), ("*", "*"), ("14", "14"), ("27", "27")),
            note="A person may belong to more than one group.",
        ),
    )


def demographics() -> DemographicsSection:
    ages = ("16–24", "25–34", "35–49", "50–64", "65–79", "80 and over", "Prefer not to say")
    age_counts = ("9", "17", "31", "28", "21", "<5", "*")
    ethnicities = (
        "Asian or Asian British",
        "Black, Black British, Caribbean or African",
        "Mixed or multiple ethnic groups",
        "White",
        "Other ethnic group",
        "Prefer not to say",
    )
    ethnic_counts = ("24", "19", "<5", "58", "*", "9")
    return DemographicsSection(
        heading="The people we heard from",
        intro="Answered by those who chose to; every question allows “prefer not to say”.",
        people=118,
        tables=(
            count_table(
                "Age band",
                "Age band",
                ages,
                ("People",),
                (*((c, c) for c in age_counts), ("118", "118")),
            ),
            count_table(
                "Ethnicity",
                "Ethnic group",
                ethnicities,
                ("People",),
                (*((c, c) for c in ethnic_counts), ("118", "118")),
            ),
            count_table(
                "Sex and disability",
                "Sex",
                ("Female", "Male", "Prefer not to say"),
                ("Disabled", "Not disabled", "Prefer not to say"),
                (
                    ("22", "*", "<5", "65"),
                    ("15", "30", "*", "51"),
                    ("<5", "<5", "0", "<5"),
                    ("38", "71", "9", "118"),
                ),
                note="Disability as people described it themselves.",
            ),
        ),
    )


THEMES = (
    ("Primary care › Getting a GP appointment", 31, 24),
    ("Cost of living › Energy bills", 27, 30),
    ("Mental health › Waiting for talking therapies", 22, 15),
    ("Dentistry › Finding an NHS dentist", 19, 19),
    ("Housing › Damp and mould", 15, 9),
    ("Transport › Buses to the hospital", 12, 14),
    ("Carers › Respite and short breaks", 11, 6),
    ("Social care › Home care visits", 9, 11),
    ("Pharmacy › Medicines shortages", 8, 3),
    ("Digital access › Booking online", 7, 10),
    ("Hospital care › Discharge", 6, 0),
    ("Children and young people › School nursing", 5, 7),
    ("Community safety", 4, 5),
    ("Food › Food banks", 3, 4),
    ("Language › Interpreters at appointments", 2, 0),
)


def themes() -> ThemesSection:
    return ThemesSection(
        heading="What people told us about",
        intro="Themes ranked by how often they came up in conversations this quarter.",
        previous_label="April to June 2025",
        themes=tuple(ThemeRank(t, n, p, f"themes:{t}") for t, n, p in THEMES),
    )


def quote_items(count: int = 32) -> tuple[QuoteItem, ...]:
    special = (
        QuoteItem(
            FORMULA_QUOTE, "Anonymous", "Drop-in, July 2025", ("Cost of living › Energy bills",), "q-0"
        ),
        QuoteItem(
            "+44 numbers cost me a fortune when I ring the surgery from my mobile.",
            "Anonymous",
            "Phone call, August 2025",
            ("Primary care › Getting a GP appointment",),
            "q-1",
        ),
        QuoteItem(
            "-- nobody told us the clinic had moved. We turned up and it was shut.",
            "Aisha Rahman",
            "Focus group, August 2025",
            ("Hospital care › Discharge", "Transport › Buses to the hospital"),
            "q-2",
        ),
        QuoteItem(
            "I typed <b>urgent</b> & they still said three weeks.",
            "Zoë Brontë",
            "One-to-one, September 2025",
            ("Primary care › Getting a GP appointment",),
            "q-3",
        ),
    )
    plain = tuple(
        QuoteItem(
            (
                f"Quote {i}: "
                + (
                    "My mum waits weeks for the home carers, and when they come they are rushed off their feet. "
                    if i % 3 == 0
                    else "The bus to the hospital takes an hour and a half with two changes. "
                )
                * (1 + i % 4)
            ).strip(),
            "Anonymous",
            f"{('Drop-in', 'Event', 'Outreach')[i % 3]}, {('July', 'August', 'September')[i % 3]} 2025",
            (THEMES[i % len(THEMES)][0],),
            f"q-{i}",
        )
        for i in range(len(special), count)
    )
    return special + plain


def quotes(count: int = 32) -> QuotesSection:
    return QuotesSection(
        heading="In people's own words",
        intro="Shared with each speaker's consent; named only where they asked to be.",
        quotes=quote_items(count),
    )


def reimbursements() -> ReimbursementsSection:
    categories = (
        ("Involvement payments", 120_000),
        ("Mileage", 18_450),
        ("Fares", 21_000),
        ("Care cover", 16_000),
        ("Subsistence", 12_000),
    )
    return ReimbursementsSection(
        heading="Paying people for their time",
        intro="What we paid people for taking part, under our reimbursement policy.",
        people_paid=Figure("People paid", 23, "claims:paid_people"),
        claims_paid=Figure("Claims paid", 31, "claims:paid"),
        total=Money("Total paid", 187_450, "claims:paid_total"),
        by_category=tuple(Money(label, pence, f"claims:category={label}") for label, pence in categories),
        declined=Figure("Claims declined or donated", 4, "claims:declined"),
    )


def action_items(count: int) -> tuple[ActionItem, ...]:
    out = []
    for i in range(count):
        status = STATUSES[i % len(STATUSES)]
        out.append(
            ActionItem(
                title=f"Action {i + 1}: "
                + (
                    "Ask the practice manager about the phone queue"
                    if i % 2
                    else "Write to the ICB primary care team"
                ),
                status=status,
                due=f"2025-{7 + i % 6:02d}-{1 + i % 28:02d}" if i % 7 else "",
                outcome=(
                    "The practice added a call-back option and two extra receptionists at 8am. " * (i % 3)
                    if status == "Done"
                    else ""
                ),
                source=f"Engagement “Coffee morning {i % 12 + 1}” ({1 + i % 28} Jul 2025)",
                ref=f"actions:id={i}",
            )
        )
    return tuple(out)


def actions(count: int = 150) -> ActionsSection:
    items = action_items(count)
    by_status = tuple(
        Figure(status, sum(a.status == status for a in items), f"actions:status={status}")
        for status in dict.fromkeys(STATUSES)
    )
    return ActionsSection(
        heading="You said, we did",
        intro="What we and the partnership did about what people told us.",
        by_status=by_status,
        actions=items,
        responses=(
            ResponseItem(
                "Primary care › Getting a GP appointment",
                "You said you could not get through to the surgery at 8am.",
                "We took your stories to the practice managers' forum; three practices now offer a call-back.",
                "The ICB's winter access plan includes call-back for every practice.",
                "2025-09-12",
            ),
            ResponseItem(
                "Transport › Buses to the hospital",
                "You said the bus to the hospital takes too long.",
                "We shared the journey times with the council's transport team.",
                "",
                "2025-08-28",
            ),
            ResponseItem(
                "Mental health › Waiting for talking therapies",
                "You said you did not know what support there was while you wait.",
                "The partnership printed a leaflet of local peer support groups.",
                "Waiting-list letters now list the peer support groups.",
                "",
            ),
            ResponseItem(
                "Cost of living › Energy bills",
                "You said the cold made your breathing worse.",
                "We set up an energy advice drop-in with the Citizens Advice team.",
                "Warm-home grants were added to social prescribers' referral list.",
                "2025-09-30",
            ),
        ),
    )


def narrative() -> NarrativeSection:
    return NarrativeSection(
        heading="About this quarter",
        intro="In our own words.",
        answers=(
            Answer(
                "highlights",
                "What went well this quarter?",
                "The summer drop-ins at the market reached many people we had not met before.\n\n"
                "Two residents joined the partnership board.",
            ),
            Answer("challenges", "What was difficult?", FORMULA_ANSWER),
            Answer("next", "What will you do differently next quarter?", ""),
        ),
    )


def sample_content(*, actions_count: int = 150, quotes_count: int = 32, frozen: bool = True) -> ReturnContent:
    """The sample return (frozen on 3 Oct 2025 unless ``frozen`` is False)."""
    content = ReturnContent(
        organisation="Riverside Community Voices",
        logo=base64.b64encode(logo_png()).decode("ascii"),
        partnership="Riverside People’s Partnership",
        hub="North hub",
        period_label="2025-Q3",
        period_words="July to September 2025",
        period_start="2025-07-01",
        period_end="2025-09-30",
        template_key="quarterly",
        template_name="Quarterly return",
        title="Quarterly return to the People’s Partnership",
        intro="What we heard from residents this quarter, who we heard it from, and what changed.",
        threshold=5,
        edition=1,
        frozen_at="",
        sections=(
            reach(),
            demographics(),
            themes(),
            quotes(quotes_count),
            reimbursements(),
            actions(actions_count),
            narrative(),
        ),
    )
    return content.frozen(FROZEN_AT) if frozen else content


def without_logo(content: ReturnContent) -> ReturnContent:
    return dataclasses.replace(content, logo="")


def sparse_content() -> ReturnContent:
    """A draft with next to nothing in it: empty lists, zero figures, no logo, no comparison;
    a count table too wide for the page; an answer reading "#N/A"; a heading like a formula."""
    columns = tuple(f"Column number {i}" for i in range(12))
    wide = count_table(
        "Wide table",
        "Group",
        ("A\x07 bell", "B"),
        columns,
        (("3",) * 12 + ("36",), ("<5",) * 12 + ("*",), ("5",) * 12 + ("60",)),
    )
    zero = Figure("Engagements", 0)
    return dataclasses.replace(
        sample_content(frozen=False),
        logo="",
        sections=(
            ReachSection(
                "=Reach",
                "",
                zero,
                (),
                Figure("Named people", 0),
                Figure("Counted without names", 0),
                Figure("People reached", 0),
                Figure("Online engagements", 0),
                (),
                (),
                count_table("People by ward", "Ward", (), ("People",), (("0", "0"),)),
                None,
            ),
            DemographicsSection("Demographics", "", 0, (wide,)),
            ThemesSection("Themes", "", "", (ThemeRank("Only one theme", 0, None),)),
            QuotesSection("Quotes", "", ()),
            ReimbursementsSection(
                "Money",
                "",
                Figure("People paid", 0),
                Figure("Claims paid", 0),
                Money("Total paid", 0),
                (),
                Figure("Declined", 0),
            ),
            ActionsSection("Actions", "", (), (), ()),
            NarrativeSection("Narrative", "", ()),
            NarrativeSection("Narrative", "", (Answer("k", "Anything else?", "#N/A"),)),
        ),
    )

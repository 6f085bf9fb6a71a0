"""Return templates: the shipped files, writing and reading back, copies, and errors that name
the file and the line a coordinator has to fix."""

from __future__ import annotations

import time
import tomllib
from dataclasses import replace
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcsedesk.domain.equality import QUESTION_BY_FIELD
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.domain.return_templates import (
    FORMAT,
    SECTION_KINDS,
    DemographicTable,
    Question,
    Section,
    Template,
    TemplateError,
    copy_template,
    dump_template,
    key_from_name,
    parse_template,
    shipped_template,
    shipped_templates,
)

#: A small valid template; the error tests below break one line of it at a time.
BASE = """\
[template]
key = "test-return"
name = "Test return"
title = "A test return"

[[sections]]
kind = "reach"
heading = "Who we reached"
intro = \"\"\"
A multi-line intro that looks like TOML inside:
[[sections]]
kind = "nonsense"
\"\"\"

[[sections]]
kind = "demographics"
heading = "Who took part"
tables = [
    { rows = "age_band", columns = "sex" },
    { rows = "ethnicity" },
]
seldom_heard = true

[[sections]]
kind = "themes"
heading = "Themes"
limit = 10

[[sections]]
kind = "narrative"
heading = "In our words"

[[sections.questions]]
key = "highlights"
text = "What went well?"
max_words = 300

[[sections.questions]]
key = "plans"
text = "What next?"

[[sections]]
kind = "narrative"
heading = "Looking ahead"
questions = [
    { key = "risks", text = "What could go wrong?" },
    { key = "asks", text = "What do you need?" },
]
"""


def line_of(text: str, snippet: str, occurrence: int = 1) -> int:
    """The line number of the ``occurrence``-th line containing ``snippet``."""
    hits = [n for n, line in enumerate(text.split("\n"), start=1) if snippet in line]
    assert len(hits) >= occurrence, f"{snippet!r} is not in the text {occurrence} times"
    return hits[occurrence - 1]


def broken(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def error_for(text: str, source: str = "test.toml") -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        parse_template(text, source)
    error = caught.value
    assert isinstance(error, UserError)
    assert str(error) == f"{source}, line {error.line}: {error.problem}"
    return error


# -- the base template -----------------------------------------------------------------------------
def test_base_parses_into_the_expected_template() -> None:
    template = parse_template(BASE, "test.toml")
    assert template == Template(
        key="test-return",
        name="Test return",
        title="A test return",
        description="",
        intro="",
        sections=(
            Section(
                "reach",
                "Who we reached",
                intro='A multi-line intro that looks like TOML inside:\n[[sections]]\nkind = "nonsense"',
            ),
            Section(
                "demographics",
                "Who took part",
                tables=(DemographicTable("age_band", "sex"), DemographicTable("ethnicity")),
                seldom_heard=True,
            ),
            Section("themes", "Themes", limit=10, compare_previous=True),
            Section(
                "narrative",
                "In our words",
                questions=(
                    Question("highlights", "What went well?", max_words=300),
                    Question("plans", "What next?"),
                ),
            ),
            Section(
                "narrative",
                "Looking ahead",
                questions=(Question("risks", "What could go wrong?"), Question("asks", "What do you need?")),
            ),
        ),
    )
    assert [q.key for q in template.questions()] == ["highlights", "plans", "risks", "asks"]
    assert template.section("themes") == template.sections[2]
    assert template.section("narrative") == template.sections[3]
    assert template.section("quotes") is None


# -- shipped templates ------------------------------------------------------------------------------
def test_both_shipped_templates_parse_sorted_by_name() -> None:
    templates = shipped_templates()
    assert [t.key for t in templates] == ["healthwatch-insight", "peoples-partnership-quarterly"]
    assert [t.name for t in templates] == sorted((t.name for t in templates), key=str.casefold)
    folder = resources.files("vcsedesk.resources").joinpath("returns")
    files = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".toml"))
    assert files == ["healthwatch_insight.toml", "peoples_partnership_quarterly.toml"]
    for template in templates:
        assert template.name and template.title and template.description and template.intro
        assert all(s.heading and s.intro for s in template.sections)
        assert all(q.text and q.help and q.max_words for q in template.questions())


def test_peoples_partnership_quarterly_has_the_agreed_shape() -> None:
    template = shipped_template("peoples-partnership-quarterly")
    assert [s.kind for s in template.sections] == [
        "reach",
        "demographics",
        "themes",
        "quotes",
        "reimbursements",
        "actions",
        "narrative",
    ]
    demographics = template.section("demographics")
    assert demographics is not None
    assert demographics.tables == (
        DemographicTable("age_band", "sex"),
        DemographicTable("ethnicity"),
        DemographicTable("disability"),
        DemographicTable("carer"),
    )
    assert demographics.seldom_heard
    themes, quotes, actions = (
        template.section("themes"),
        template.section("quotes"),
        template.section("actions"),
    )
    assert themes is not None and (themes.limit, themes.compare_previous) == (10, True)
    assert quotes is not None and (quotes.limit, quotes.per_theme) == (12, 2)
    assert actions is not None and actions.include_responses
    assert [q.key for q in template.questions()] == [
        "highlights",
        "challenges",
        "for_the_board",
        "next_quarter",
        "co_production",
    ]


def test_healthwatch_insight_leads_with_what_we_heard_and_pays_nobody() -> None:
    template = shipped_template("healthwatch-insight")
    assert [s.kind for s in template.sections] == [
        "themes",
        "quotes",
        "demographics",
        "reach",
        "narrative",
        "actions",
    ]
    assert template.section("reimbursements") is None
    assert template.sections[0].heading == "What we heard"
    demographics = template.section("demographics")
    assert demographics is not None
    assert demographics.heading == "Who we heard from"
    assert [t.rows for t in demographics.tables] == ["ethnicity", "age_band", "disability"]
    assert demographics.seldom_heard
    actions = template.section("actions")
    assert actions is not None and actions.include_responses
    assert "recommendations" in [q.key for q in template.questions()]


def test_an_unknown_shipped_template_names_the_ones_there_are() -> None:
    with pytest.raises(UserError, match=r"“nope”.*healthwatch-insight, peoples-partnership-quarterly"):
        shipped_template("nope")


# -- writing and reading back -------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["healthwatch-insight", "peoples-partnership-quarterly"])
def test_shipped_templates_round_trip(key: str) -> None:
    template = shipped_template(key)
    text = dump_template(template)
    assert parse_template(text, "copy") == template
    assert dump_template(parse_template(text, "copy")) == text
    # Laid out like the files: one [[sections]] per section, questions as their own tables.
    assert text.count("[[sections]]") == len(template.sections)
    assert text.count("[[sections.questions]]") == len(template.questions())


def test_awkward_text_survives_the_round_trip() -> None:
    template = parse_template(BASE, "test.toml")
    awkward = replace(
        template,
        name='Quotes " and \\ backslashes, # hashes and [[brackets]]',
        intro='Line one\n\n[[sections]]\nkind = "reach"\n  indented “curly” ‘quotes’ — and a \\ too',
        sections=(
            replace(template.sections[0], intro='\'\'\'\n"""\nends with quotes""'),
            *template.sections[1:],
        ),
    )
    assert parse_template(dump_template(awkward), "copy") == awkward


def test_dump_refuses_settings_its_kind_does_not_use() -> None:
    template = parse_template(BASE, "test.toml")
    stray = replace(template, sections=(replace(template.sections[0], limit=5), *template.sections[1:]))
    with pytest.raises(TemplateError, match="do not apply"):
        dump_template(stray)
    invalid = replace(template, sections=(replace(template.sections[0], heading=""), *template.sections[1:]))
    with pytest.raises(TemplateError, match="has no heading"):
        dump_template(invalid)


_words = st.text(alphabet="abcXYZ 'é\"\\#[]=“”.,-", min_size=1, max_size=30).map(
    lambda s: " ".join(s.split())
)
_line = _words.filter(bool)
_paragraph = st.lists(_words, min_size=0, max_size=3).map(lambda lines: "\n".join(lines).strip())
_fields = st.sampled_from(sorted(QUESTION_BY_FIELD))
_qkeys = st.text(alphabet="abz_09", min_size=1, max_size=12)


@st.composite
def _templates(draw: st.DrawFn) -> Template:
    kinds = draw(
        st.lists(st.sampled_from(SECTION_KINDS[:-1]), unique=True, max_size=6).map(
            lambda ks: ks + ["narrative"] * draw(st.integers(0, 2))
        )
    )
    kinds = draw(st.permutations(kinds)) or ["reach"]
    used: set[str] = set()
    sections = []
    for kind in kinds:
        section = Section(kind, draw(_line), draw(_paragraph))
        if kind == "demographics":
            rows = draw(st.lists(_fields, min_size=1, max_size=3, unique=True))
            tables = tuple(
                DemographicTable(r, draw(st.none() | _fields.filter(lambda f, r=r: f != r))) for r in rows
            )
            section = replace(section, tables=tables, seldom_heard=draw(st.booleans()))
        elif kind == "themes":
            section = replace(
                section, limit=draw(st.none() | st.integers(1, 50)), compare_previous=draw(st.booleans())
            )
        elif kind == "quotes":
            section = replace(
                section,
                limit=draw(st.none() | st.integers(0, 200)),
                per_theme=draw(st.none() | st.integers(1, 20)),
            )
        elif kind == "actions":
            section = replace(section, include_responses=draw(st.booleans()))
        elif kind == "narrative":
            keys = draw(st.lists(_qkeys.filter(lambda k: k not in used), min_size=1, max_size=3, unique=True))
            used.update(keys)
            questions = tuple(
                Question(k, draw(_line), draw(_paragraph), draw(st.none() | st.integers(1, 5000)))
                for k in keys
            )
            section = replace(section, questions=questions)
        sections.append(section)
    return Template(
        key=draw(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)),
        name=draw(_line),
        title=draw(_line),
        description=draw(_paragraph),
        intro=draw(_paragraph),
        sections=tuple(sections),
    )


@settings(max_examples=60, deadline=None)
@given(_templates())
def test_any_valid_template_round_trips(template: Template) -> None:
    text = dump_template(template)
    assert parse_template(text, "copy") == template
    tomllib.loads(text)  # and it is plain TOML any other tool can read


# -- copies ---------------------------------------------------------------------------------------------
def test_copy_keeps_the_sections_under_a_new_key_and_name() -> None:
    original = shipped_template("peoples-partnership-quarterly")
    copy = copy_template(original, "riverside-q1", "  Riverside hub   Q1 ")
    assert (copy.key, copy.name) == ("riverside-q1", "Riverside hub Q1")
    assert (copy.title, copy.description, copy.intro, copy.sections) == (
        original.title,
        original.description,
        original.intro,
        original.sections,
    )
    assert parse_template(dump_template(copy), "copy “Riverside hub Q1”") == copy
    assert shipped_template("peoples-partnership-quarterly") == original


def test_copy_refuses_a_bad_key_or_a_blank_name() -> None:
    original = shipped_template("healthwatch-insight")
    with pytest.raises(ValidationError) as caught:
        copy_template(original, "Has Spaces", " ")
    assert set(caught.value.problems) == {"key", "name"}
    assert "lower-case letters, digits and hyphens" in caught.value.problems["key"]
    with pytest.raises(ValidationError, match="Key is required"):
        copy_template(original, "", "Fine")


def test_key_from_name() -> None:
    assert key_from_name("Healthwatch – Q1 2026 (Café)") == "healthwatch-q1-2026-cafe"
    assert key_from_name("“”!!") == "template"
    assert len(key_from_name("x" * 200)) == 60


# -- errors name the file and the line --------------------------------------------------------------------
def test_a_syntax_error_names_the_line_tomllib_found() -> None:
    text = broken('heading = "Themes"', 'heading = "Themes')
    error = error_for(text, "peoples.toml")
    assert error.line == line_of(text, 'heading = "Themes') == 26
    assert str(error).startswith("peoples.toml, line 26: this is not valid TOML: ")
    assert "column" in str(error)


def test_a_syntax_error_at_the_end_names_the_last_line() -> None:
    text = BASE + 'questions = [ { key = "x"'
    error = error_for(text)
    assert error.line == len(text.split("\n"))


def test_an_unknown_kind_names_its_line_not_the_fake_one_inside_a_string() -> None:
    text = broken('kind = "themes"', 'kind = "reachh"')
    error = error_for(text, "peoples_partnership_quarterly.toml")
    assert error.line == 25
    assert str(error) == (
        "peoples_partnership_quarterly.toml, line 25: section 3 has kind “reachh”; it must be one of "
        "reach, demographics, themes, quotes, reimbursements, actions, narrative."
    )


def test_a_missing_kind_names_the_section_header() -> None:
    text = broken('kind = "themes"\n', "")
    error = error_for(text)
    # The 2nd "[[sections]]" in the text is inside the first section's intro, not a header.
    assert error.line == line_of(text, "[[sections]]", occurrence=4) == 24
    assert "section 3 has no kind" in str(error)


def test_a_missing_heading_names_the_section_header() -> None:
    text = broken('heading = "Who took part"\n', "")
    error = error_for(text)
    assert error.line == line_of(text, "[[sections]]", occurrence=3) == 15
    assert "section 2 (demographics) has no heading" in str(error)


def test_a_blank_heading_names_its_line() -> None:
    text = broken('heading = "Who took part"', 'heading = "   "')
    assert error_for(text).line == line_of(text, 'heading = "   "')


def test_an_unknown_equality_field_names_the_line_of_the_table() -> None:
    text = broken('{ rows = "ethnicity" }', '{ rows = "ethnicityy" }')
    error = error_for(text)
    assert error.line == line_of(text, "ethnicityy") == 20
    assert "table 2 of section 2 (demographics) has rows = “ethnicityy”" in str(error)
    assert "age_band" in str(error)  # the valid fields are listed


def test_an_unknown_column_field_names_its_line() -> None:
    text = broken('columns = "sex"', 'columns = "gender"')
    error = error_for(text)
    assert error.line == line_of(text, '"gender"')
    assert "columns = “gender”" in str(error)


def test_a_misspelt_setting_in_a_table_names_its_line() -> None:
    text = broken('{ rows = "ethnicity" }', '{ rows = "ethnicity", colums = "sex" }')
    error = error_for(text)
    assert error.line == line_of(text, "colums")
    assert "Did you mean “columns”?" in str(error)


def test_a_duplicate_question_key_names_the_second_one() -> None:
    text = broken('{ key = "asks"', '{ key = "highlights"')
    error = error_for(text)
    assert error.line == line_of(text, 'key = "highlights"', occurrence=2) == 47
    assert "“highlights” is used twice (first in section 4)" in str(error)


def test_a_duplicate_question_key_within_an_inline_list_names_the_second_line() -> None:
    text = broken('{ key = "asks"', '{ key = "risks"')
    assert error_for(text).line == line_of(text, 'key = "risks"', occurrence=2)


def test_a_duplicate_question_key_in_question_tables_names_the_second_one() -> None:
    text = broken('key = "plans"', 'key = "highlights"')
    assert error_for(text).line == line_of(text, 'key = "highlights"', occurrence=2) == 39


def test_a_typo_in_a_key_is_caught_and_a_correction_offered() -> None:
    text = broken("limit = 10", "limt = 10")
    error = error_for(text)
    assert error.line == line_of(text, "limt") == 27
    assert (
        "section 3 (themes) has a setting “limt” that vcsedesk does not know. Did you mean “limit”?"
        in str(error)
    )


def test_a_setting_of_another_kind_says_which_kinds_have_it() -> None:
    text = broken('heading = "Who we reached"', 'heading = "Who we reached"\nper_theme = 2')
    error = error_for(text)
    assert error.line == line_of(text, "per_theme")
    assert "section 1 (reach) cannot have “per_theme”: only quotes sections have it" in str(error)


def test_a_typo_in_the_template_table_names_its_line() -> None:
    text = broken('title = "A test return"', 'titel = "A test return"')
    error = error_for(text)
    assert error.line == 4
    assert "“titel”" in str(error) and "Did you mean “title”?" in str(error)


def test_the_format_is_written_and_a_template_without_one_is_read_as_format_1() -> None:
    assert FORMAT == 1
    template = parse_template(BASE, "test.toml")  # BASE has no format line
    text = dump_template(template)
    assert text.startswith(f"[template]\nformat = {FORMAT}\n")
    assert parse_template(text, "copy") == template
    for shipped in resources.files("vcsedesk.resources").joinpath("returns").iterdir():
        if shipped.name.endswith(".toml"):
            assert tomllib.loads(shipped.read_text(encoding="utf-8"))["template"]["format"] == FORMAT


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "2",
            "this template is written in format 2, for a newer version of vcsedesk; "
            "this version reads format 1. Update vcsedesk to use it.",
        ),
        ("0", "the template's format must be a whole number such as 1 (without quotes), not 0."),
        ('"1"', "must be a whole number such as 1 (without quotes), not “1”."),
        ("true", "must be a whole number"),
    ],
)
def test_a_template_for_a_newer_vcsedesk_or_a_bad_format_is_refused_naming_its_line(
    value: str, expected: str
) -> None:
    text = broken('key = "test-return"', f'format = {value}\nkey = "test-return"')
    error = error_for(text)
    assert error.line == line_of(text, "format =")
    assert expected in str(error)


def test_a_typo_in_a_question_names_its_line() -> None:
    text = broken("max_words = 300", "max_word = 300")
    error = error_for(text)
    assert error.line == line_of(text, "max_word =")
    assert "Did you mean “max_words”?" in str(error)


def test_a_typo_in_an_inline_question_names_its_line() -> None:
    text = broken('{ key = "asks", text', '{ key = "asks", txt')
    assert error_for(text).line == line_of(text, "txt =")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("limit = 10", "limit = 0", "The limit of section 3 (themes) is 0; it must be from 1 to 50."),
        ("limit = 10", "limit = 51", "is 51; it must be from 1 to 50."),
        ("limit = 10", 'limit = "ten"', "must be a whole number from 1 to 50 (without quotes), not “ten”."),
        ("limit = 10", "limit = true", "must be a whole number"),
        ("limit = 10", "limit = 2.5", "must be a whole number"),
        ("max_words = 300", "max_words = -1", "max_words of question “highlights” is -1"),
        ("seldom_heard = true", 'seldom_heard = "yes"', "must be true or false"),
    ],
)
def test_a_bad_number_or_flag_names_its_line(old: str, new: str, expected: str) -> None:
    text = broken(old, new)
    error = error_for(text)
    assert error.line == line_of(text, new)
    assert expected in str(error)


def test_quotes_limits_have_their_own_ranges() -> None:
    text = BASE + '\n[[sections]]\nkind = "quotes"\nheading = "Quotes"\nlimit = 201\nper_theme = 2\n'
    error = error_for(text)
    assert error.line == line_of(text, "limit = 201")
    assert "from 0 to 200" in str(error)
    text = text.replace("limit = 201", "limit = 0").replace("per_theme = 2", "per_theme = 21")
    assert error_for(text).line == line_of(text, "per_theme = 21")
    assert parse_template(text.replace("per_theme = 21", "per_theme = 20"), "t").sections[-1].limit == 0


def test_only_narrative_sections_may_repeat() -> None:
    text = BASE + '\n[[sections]]\nkind = "themes"\nheading = "More themes"\n'
    error = error_for(text)
    assert error.line == line_of(text, 'kind = "themes"', occurrence=2)
    assert "section 6 is a second themes section (the first is section 3)" in str(error)


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ('[[sections]]\nkind = "reach"\nheading = "R"\n', 1, "no [template] table"),
        ('[template]\nkey = "k"\nname = "N"\ntitle = "T"\n', 4, "has no sections"),
        ('sections = []\n[template]\nkey = "k"\nname = "N"\ntitle = "T"\n', 1, "has no sections"),
        (
            '[template]\nkey = "k"\nname = "N"\ntitle = "T"\nsections = []\n',
            5,
            "[template] has a setting “sections”",
        ),
        ('[template]\nkey = "Bad Key"\nname = "N"\ntitle = "T"\n', 2, "lower-case letters"),
        ('[template]\nkey = "k"\ntitle = "T"\n\n[[sections]]\nkind = "reach"\nheading = "R"\n', 1, "no name"),
        ('version = 2\n[template]\nkey = "k"\n', 1, "“version” is not part of a return template"),
        (
            '[template]\nkey = "k"\nname = "N"\ntitle = "T"\n\n[sectons]\nkind = "reach"\n',
            6,
            "Did you mean “sections”?",
        ),
        (
            '[template]\nkey = "k"\nname = "N"\ntitle = "T"\n\n[[sections]]\nkind = "narrative"\nheading = "H"\n',
            6,
            "has no questions",
        ),
        (
            '[template]\nkey = "k"\nname = "N"\ntitle = "T"\n\n[[sections]]\nkind = "demographics"\n'
            'heading = "H"\nseldom_heard = false\n',
            6,
            "shows nothing",
        ),
        (
            '[template]\nkey = "k"\nname = "N"\ntitle = "T"\n\n[[sections]]\nkind = "demographics"\n'
            'heading = "H"\ntables = [{ rows = "sex", columns = "sex" }]\n',
            9,
            "both rows and columns",
        ),
        (
            '[template]\nkey = "k"\nname = "N"\ntitle = "T"\n\n[[sections]]\nkind = "demographics"\n'
            'heading = "H"\ntables = [\n  { rows = "sex", columns = "carer" },\n  { rows = "sex" },\n'
            '  { rows = "sex" },\n]\n',
            12,
            "table 3 of section 1 (demographics) repeats an earlier table",
        ),
        (
            '[template]\nkey = "k"\nname = "N"\ntitle = "T"\n\n[[sections]]\nkind = "narrative"\n'
            'heading = "H"\n\n[[sections.questions]]\nkey = "Bad-Key"\ntext = "Q"\n',
            11,
            "lower-case letters, digits and _",
        ),
        (
            '[template]\nkey = "k"\nname = "N"\ntitle = "T"\n\n[[sections]]\nkind = "narrative"\n'
            'heading = "H"\n\n[[sections.questions]]\nkey = "q"\nhelp = "no text"\n',
            11,
            "question “q” in section 1 (narrative) has no text",
        ),
    ],
)
def test_other_mistakes_name_the_right_line(text: str, line: int, expected: str) -> None:
    error = error_for(text, "mine.toml")
    assert (error.line, expected in error.problem) == (line, True), str(error)


# -- speed ------------------------------------------------------------------------------------------------
def test_parsing_is_fast() -> None:
    texts = [dump_template(t) for t in shipped_templates()]
    started = time.perf_counter()
    for _ in range(100):
        for text in texts:
            parse_template(text, "speed.toml")
    assert time.perf_counter() - started < 1.0
    # Finding the line of an error near the end of a large file is quick too.
    big = BASE + "".join(
        f'\n[[sections]]\nkind = "narrative"\nheading = "Part {n}"\nintro = """\n{"words " * 200}\n"""\n'
        f'[[sections.questions]]\nkey = "q{n}"\ntext = "Question {n}?"\n'
        for n in range(44)
    )
    big = (
        big[: big.rindex('key = "q43"')]
        + 'key = "q0"'
        + big[big.rindex('key = "q43"') + len('key = "q43"') :]
    )
    started = time.perf_counter()
    error = error_for(big)
    assert time.perf_counter() - started < 0.5
    assert error.line == line_of(big, 'key = "q0"', occurrence=2)

"""Return templates: the shape of a partnership return, written as a small TOML file.

A return (what a group sends a People's Partnership hub or a Healthwatch each period) is built
from records; its *shape* comes from a template: which sections, in what order, their headings
and introductions, and the narrative questions the coordinator answers in their own words.

Templates ship as files in ``vcsedesk/resources/returns/``; a coordinator copies one and adjusts
it, and the copy is stored as TOML text in the database.  :func:`parse_template` checks both the
same way and, when something is wrong, raises a :class:`TemplateError` naming the file (or copy)
and the line to look at::

    [template]
    format = 1                                # optional: the version of this file format
    key = "peoples-partnership-quarterly"     # lower-case letters, digits and hyphens
    name = "People's Partnership hub: quarterly engagement return"
    title = "Quarterly engagement return"     # printed on the cover
    description = "…"                         # optional
    intro = "…"                               # optional, printed under the cover title

    [[sections]]
    kind = "demographics"                     # one of SECTION_KINDS
    heading = "Who took part"
    intro = "…"                               # optional, for every kind
    tables = [ { rows = "age_band", columns = "sex" }, { rows = "ethnicity" } ]
    seldom_heard = true

    [[sections]]
    kind = "narrative"
    heading = "In our words"
    [[sections.questions]]
    key = "highlights"                        # lower-case letters, digits and _
    text = "What went well this period?"
    help = "…"                                # optional
    max_words = 300                           # optional

Settings by kind: ``themes`` has ``limit`` (top N, 1–50; absent: all) and ``compare_previous``;
``quotes`` has ``limit`` (0–200; absent: all) and ``per_theme`` (1–20; absent: no cap);
``actions`` has ``include_responses``; ``demographics`` has ``tables`` and ``seldom_heard``;
``narrative`` has ``questions``.  Only narrative sections may repeat.  Unknown keys are errors,
so a typo is caught rather than silently ignored.

``format`` says which version of this file format a template was written in (absent: 1).  A
later vcsedesk that changes the format increases :data:`FORMAT` and still reads the older ones; this
one refuses a template written for a newer vcsedesk, saying so, rather than misreading it.
:func:`dump_template` always writes the current format.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import tomli_w

from vcsedesk.domain.equality import QUESTION_BY_FIELD
from vcsedesk.domain.errors import UserError, ValidationError
from vcsedesk.domain.validation import Invalid, clean_multiline, clean_text

SECTION_KINDS: tuple[str, ...] = (
    "reach",
    "demographics",
    "themes",
    "quotes",
    "reimbursements",
    "actions",
    "narrative",
)

#: How each kind is named to people (e.g. in the template editor's list of sections).
SECTION_KIND_LABELS: dict[str, str] = {
    "reach": "Reach: activities and people reached",
    "demographics": "Who took part (equality monitoring)",
    "themes": "Themes",
    "quotes": "Quotes",
    "reimbursements": "Reimbursements",
    "actions": "Actions and outcomes",
    "narrative": "Narrative questions",
}

#: Settings each kind accepts besides ``kind``, ``heading`` and ``intro``.
KIND_SETTINGS: dict[str, tuple[str, ...]] = {
    "reach": (),
    "demographics": ("tables", "seldom_heard"),
    "themes": ("limit", "compare_previous"),
    "quotes": ("limit", "per_theme"),
    "reimbursements": (),
    "actions": ("include_responses",),
    "narrative": ("questions",),
}
_COMMON_SETTINGS = ("kind", "heading", "intro")
#: The version of the template file format this vcsedesk writes and reads (see the module doc).
FORMAT = 1

_TEMPLATE_KEYS = ("format", "key", "name", "title", "description", "intro")
_QUESTION_KEYS = ("key", "text", "help", "max_words")
_TABLE_KEYS = ("rows", "columns")
_LIMITS = {"themes": (1, 50), "quotes": (0, 200)}
_PER_THEME = (1, 20)
_MAX_WORDS = (1, 5000)

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_QUESTION_KEY = re.compile(r"^[a-z0-9_]+$")
_MAX_KEY = 60
_MAX_NAME = 200
_MAX_HEADING = 200
_MAX_QUESTION = 500
_MAX_DESCRIPTION = 2000
_MAX_INTRO = 4000
_MAX_SECTIONS = 50
_MAX_TABLES = 20
_MAX_QUESTIONS = 50

RESOURCE_PACKAGE = "vcsedesk.resources"
RESOURCE_FOLDER = "returns"


class TemplateError(UserError):
    """A template file or copy is not right.  ``str(error)`` reads
    ``"<source>, line <n>: <problem>"``; ``source``, ``line`` and ``problem`` are also kept
    apart so an editor can put the cursor on the line."""

    def __init__(self, message: str, *, source: str = "", line: int | None = None, problem: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.problem = problem or message

    @classmethod
    def at(cls, source: str, line: int, problem: str) -> TemplateError:
        return cls(f"{source}, line {line}: {problem}", source=source, line=line, problem=problem)


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    help: str = ""
    max_words: int | None = None


@dataclass(frozen=True)
class DemographicTable:
    """A table of one equality question's answers (``rows``), optionally crossed with another
    question's (``columns``).  Both are fields of :data:`equality.QUESTION_BY_FIELD`."""

    rows: str
    columns: str | None = None


@dataclass(frozen=True)
class Section:
    kind: str
    heading: str
    intro: str = ""
    tables: tuple[DemographicTable, ...] = ()
    seldom_heard: bool = False
    limit: int | None = None
    per_theme: int | None = None
    compare_previous: bool = True
    include_responses: bool = True
    questions: tuple[Question, ...] = ()


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    title: str
    description: str
    intro: str
    sections: tuple[Section, ...]

    def questions(self) -> tuple[Question, ...]:
        """Every narrative question, in the order they appear."""
        return tuple(q for s in self.sections if s.kind == "narrative" for q in s.questions)

    def section(self, kind: str) -> Section | None:
        """The first section of ``kind``, or None if the template has none."""
        return next((s for s in self.sections if s.kind == kind), None)


# -- finding the line to blame -------------------------------------------------------------------


@dataclass
class _Block:
    """One table of the file as written: its header line, the line each key starts on, and
    (for a section) its ``[[sections.questions]]`` blocks."""

    line: int
    end: int
    keys: dict[str, int] = field(default_factory=dict)
    questions: list[_Block] = field(default_factory=list)


_AOT_HEADER = re.compile(r"^\s*\[\[\s*(.+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([^\[].*?)\s*\]")
_KEY_LINE = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*[.=]""")


def _name_parts(name: str) -> list[str]:
    return [part.strip().strip("\"'") for part in name.split(".")]


def _top_level_lines(text: str) -> list[bool]:
    """For each line (index 0 = line 1), whether it starts outside any string, array or inline
    table — i.e. whether a header or key written there is really one."""
    top = [True]
    depth = 0
    state = ""  # "", '"', "'", '"""' or "'''"
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if state == "":
            if c == "#":
                while i < n and text[i] != "\n":
                    i += 1
                continue
            if c in "\"'":
                run = 3 if text.startswith(c * 3, i) else 1
                state = c * run
                i += run
                continue
            if c in "[{":
                depth += 1
            elif c in "]}":
                depth = max(0, depth - 1)
        elif state in ('"', "'"):
            if c == "\\" and state == '"' and i + 1 < n and text[i + 1] != "\n":
                i += 2
                continue
            if c == state[0] or c == "\n":
                state = ""
        elif c == "\\" and state == '"""' and i + 1 < n and text[i + 1] != "\n":
            i += 2
            continue
        elif text.startswith(state, i):
            run = 0
            while i + run < n and text[i + run] == state[0] and run < 5:
                run += 1
            state = ""
            i += run
            continue
        if c == "\n":
            top.append(state == "" and depth == 0)
        i += 1
    return top


class _Lines:
    """Where things are written in a (syntactically valid) template file."""

    def __init__(self, text: str) -> None:
        self.lines = [line.rstrip("\r") for line in text.split("\n")]
        top = _top_level_lines(text)
        self.root = _Block(1, len(self.lines))
        self.template: _Block | None = None
        self.other_tables: dict[str, int] = {}
        self.sections: list[_Block] = []
        current = self.root
        section: _Block | None = None
        for number, line in enumerate(self.lines, start=1):
            current.end = number
            if section is not None:
                section.end = number
            if not (top[number - 1] if number - 1 < len(top) else False):
                continue
            aot = _AOT_HEADER.match(line)
            table = None if aot else _TABLE_HEADER.match(line)
            header = aot or table
            if header:
                parts = _name_parts(header[1])
                current = _Block(number, number)
                if parts == ["sections"] and aot:
                    section = current
                    self.sections.append(section)
                elif parts[0] == "sections" and len(parts) > 1 and section is not None:
                    section.keys.setdefault(parts[1], number)
                    if parts == ["sections", "questions"] and aot:
                        section.questions.append(current)
                elif parts == ["template"] and table:
                    section = None
                    self.template = current
                else:
                    section = None
                    self.other_tables.setdefault(parts[0], number)
                continue
            key = _KEY_LINE.match(line)
            if key:
                current.keys.setdefault(key[1].strip("\"'"), number)

    def search(self, start: int, end: int, pattern: str | None, occurrence: int = 1) -> int:
        """The line between start and end (inclusive) where ``pattern`` matches for the
        ``occurrence``-th time; ``start`` if it never does."""
        if pattern:
            found = 0
            rx = re.compile(pattern)
            for number in range(start, min(end, len(self.lines)) + 1):
                if rx.search(self.lines[number - 1]):
                    found += 1
                    if found == occurrence:
                        return number
        return start

    def last_line(self) -> int:
        """The last line with anything on it."""
        return next((n for n in range(len(self.lines), 0, -1) if self.lines[n - 1].strip()), 1)

    def root_key(self, key: str) -> int:
        return self.root.keys.get(key) or self.other_tables.get(key) or 1

    def template_key(self, key: str | None = None, pattern: str | None = None) -> int:
        block = self.template
        if block is None:
            return self.root_key("template")
        line = block.keys.get(key, block.line) if key else block.line
        return self.search(line, block.end, pattern)

    def section(
        self, index: int, key: str | None = None, pattern: str | None = None, occurrence: int = 1
    ) -> int:
        if index >= len(self.sections):
            return self.search(self.root_key("sections"), self.root.end, pattern, occurrence)
        block = self.sections[index]
        line = block.keys.get(key, block.line) if key else block.line
        return self.search(line, block.end, pattern, occurrence)

    def question(
        self, index: int, number: int, key: str | None = None, pattern: str | None = None, occurrence: int = 1
    ) -> int:
        if index < len(self.sections) and number < len(self.sections[index].questions):
            block = self.sections[index].questions[number]
            line = block.keys.get(key, block.line) if key else block.line
            return self.search(line, block.end, pattern)
        return self.section(index, "questions", pattern, occurrence)


# -- parsing -------------------------------------------------------------------------------------


def _quoted(value: str) -> str:
    """A regex matching ``value`` written as a TOML string (basic or literal)."""
    return f"[\"']{re.escape(value)}[\"']"


def _described(value: object) -> str:
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _listed(words: tuple[str, ...] | list[str]) -> str:
    return ", ".join(words)


def _suggest(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f" Did you mean “{close[0]}”?" if close else ""


Locate = Callable[[_Lines], int]


def _at_root(key: str) -> Locate:
    return lambda lines: lines.root_key(key)


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self._lines: _Lines | None = None

    def fail(self, locate: Locate, problem: str) -> TemplateError:
        if self._lines is None:
            self._lines = _Lines(self.text)
        return TemplateError.at(self.source, locate(self._lines), problem)

    # values ---------------------------------------------------------------------------------

    def text_value(
        self, value: object, locate: Locate, label: str, *, max_length: int, multiline: bool = False
    ) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(locate, f"{label} must be text in quotes, not {_described(value)}.")
        try:
            if multiline:
                cleaned = clean_multiline(value, label=label, max_length=max_length)
            else:
                cleaned = clean_text(value, label=label, max_length=max_length)
        except Invalid as exc:
            raise self.fail(locate, str(exc)) from None
        return cleaned or ""

    def required_text(
        self, value: object, locate: Locate, label: str, missing: str, *, max_length: int
    ) -> str:
        cleaned = self.text_value(value, locate, label, max_length=max_length)
        if not cleaned:
            raise self.fail(locate, missing)
        return cleaned

    def bool_value(self, value: object, default: bool, locate: Locate, label: str) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(
                locate, f"{label} must be true or false (without quotes), not {_described(value)}."
            )
        return value

    def int_value(self, value: object, locate: Locate, label: str, bounds: tuple[int, int]) -> int | None:
        if value is None:
            return None
        low, high = bounds
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                locate,
                f"{label} must be a whole number from {low} to {high} (without quotes), not {_described(value)}.",
            )
        if not low <= value <= high:
            raise self.fail(locate, f"{label} is {value}; it must be from {low} to {high}.")
        return value

    def unknown_keys(
        self, data: Mapping[str, Any], allowed: tuple[str, ...], where: str, locate: Callable[[str], Locate]
    ) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(
                    locate(key),
                    f"{where} has a setting “{key}” that vcsedesk does not know.{_suggest(key, allowed)} "
                    f"It may have: {_listed(allowed)}.",
                )

    # the file -------------------------------------------------------------------------------

    def parse(self) -> Template:
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            raise self.syntax_error(str(exc)) from None
        for key in data:
            if key not in ("template", "sections"):
                raise self.fail(
                    _at_root(key),
                    f"“{key}” is not part of a return template.{_suggest(key, ('template', 'sections'))} "
                    "A template has a [template] table and [[sections]].",
                )
        head = data.get("template")
        if not isinstance(head, dict):
            raise self.fail(
                _at_root("template"),
                "the file has no [template] table giving the template's key, name and title.",
            )
        key, name, title, description, intro = self.parse_head(head)
        raw_sections = data.get("sections")
        if raw_sections is None or raw_sections == []:
            raise self.fail(
                lambda lines: lines.root_key("sections") if "sections" in data else lines.last_line(),
                "the template has no sections; add at least one [[sections]] with a kind and a heading.",
            )
        if not isinstance(raw_sections, list) or not all(isinstance(s, dict) for s in raw_sections):
            raise self.fail(
                _at_root("sections"),
                "“sections” must be written as [[sections]] tables, one for each section.",
            )
        if len(raw_sections) > _MAX_SECTIONS:
            raise self.fail(
                lambda lines: lines.section(_MAX_SECTIONS),
                f"the template has {len(raw_sections)} sections; at most {_MAX_SECTIONS} are allowed.",
            )
        sections: list[Section] = []
        first_of_kind: dict[str, int] = {}
        question_at: dict[str, int] = {}
        for index, raw in enumerate(raw_sections):
            section = self.parse_section(index, raw, first_of_kind, question_at)
            sections.append(section)
        return Template(key, name, title, description, intro, tuple(sections))

    def syntax_error(self, message: str) -> TemplateError:
        found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if found:
            line = int(found[1])
            detail = f"{message[: found.start()]} (column {found[2]})"
        else:
            line = max(1, len(self.text.rstrip("\n").split("\n")))
            detail = re.sub(r"\s*\(at end of document\)$", "", message) + " (at the end of the file)"
        return TemplateError.at(self.source, line, f"this is not valid TOML: {detail}.")

    def parse_head(self, head: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
        def at(key: str) -> Locate:
            return lambda lines: lines.template_key(key)

        self.unknown_keys(head, _TEMPLATE_KEYS, "[template]", at)
        written_in = head.get("format", FORMAT)
        if isinstance(written_in, bool) or not isinstance(written_in, int) or written_in < 1:
            raise self.fail(
                at("format"),
                f"the template's format must be a whole number such as {FORMAT} (without quotes), "
                f"not {_described(written_in)}.",
            )
        if written_in > FORMAT:
            raise self.fail(
                at("format"),
                f"this template is written in format {written_in}, for a newer version of vcsedesk; "
                f"this version reads format {FORMAT}. Update vcsedesk to use it.",
            )
        key = self.required_text(
            head.get("key"),
            at("key"),
            "The template's key",
            '[template] has no key; give it one such as key = "my-quarterly-return".',
            max_length=_MAX_KEY,
        )
        if not _KEY.match(key):
            raise self.fail(
                at("key"),
                f"the template's key “{key}” may use only lower-case letters, digits and hyphens, "
                "starting with a letter or digit (for example “my-quarterly-return”).",
            )
        name = self.required_text(
            head.get("name"),
            at("name"),
            "The template's name",
            '[template] has no name; give it one such as name = "Quarterly return to the hub".',
            max_length=_MAX_NAME,
        )
        title = self.required_text(
            head.get("title"),
            at("title"),
            "The template's title",
            "[template] has no title (printed on the cover); give it one such as "
            'title = "Quarterly engagement return".',
            max_length=_MAX_NAME,
        )
        description = self.text_value(
            head.get("description"),
            at("description"),
            "The template's description",
            max_length=_MAX_DESCRIPTION,
            multiline=True,
        )
        intro = self.text_value(
            head.get("intro"), at("intro"), "The template's intro", max_length=_MAX_INTRO, multiline=True
        )
        return key, name, title, description, intro

    def parse_section(
        self, index: int, raw: Mapping[str, Any], first_of_kind: dict[str, int], question_at: dict[str, int]
    ) -> Section:
        number = index + 1

        def at(key: str | None = None, pattern: str | None = None) -> Locate:
            return lambda lines: lines.section(index, key, pattern)

        kind = raw.get("kind")
        if kind is None:
            raise self.fail(
                at(),
                f'section {number} has no kind; add kind = "…", one of {_listed(SECTION_KINDS)}.',
            )
        if not isinstance(kind, str) or kind not in SECTION_KINDS:
            raise self.fail(
                at("kind"),
                f"section {number} has kind {_described(kind)}; it must be one of {_listed(SECTION_KINDS)}.",
            )
        where = f"section {number} ({kind})"
        allowed = (*_COMMON_SETTINGS, *KIND_SETTINGS[kind])
        for key in raw:
            if key in allowed:
                continue
            owners = [k for k in SECTION_KINDS if key in KIND_SETTINGS[k]]
            if owners:
                raise self.fail(
                    at(key),
                    f"{where} cannot have “{key}”: only {' and '.join(owners)} sections have it. "
                    f"A {kind} section may have: {_listed(allowed)}.",
                )
            raise self.fail(
                at(key),
                f"{where} has a setting “{key}” that vcsedesk does not know.{_suggest(key, allowed)} "
                f"A {kind} section may have: {_listed(allowed)}.",
            )
        if kind != "narrative" and kind in first_of_kind:
            raise self.fail(
                at("kind"),
                f"section {number} is a second {kind} section (the first is section "
                f"{first_of_kind[kind]}); only narrative sections may appear more than once.",
            )
        first_of_kind.setdefault(kind, number)
        heading = self.required_text(
            raw.get("heading"),
            at("heading"),
            f"The heading of {where}",
            f'{where} has no heading; add one such as heading = "{SECTION_KIND_LABELS[kind]}".',
            max_length=_MAX_HEADING,
        )
        intro = self.text_value(
            raw.get("intro"), at("intro"), f"The intro of {where}", max_length=_MAX_INTRO, multiline=True
        )
        section = Section(kind, heading, intro)
        if kind == "demographics":
            tables = self.parse_tables(index, where, raw.get("tables"))
            seldom = self.bool_value(
                raw.get("seldom_heard"), False, at("seldom_heard"), f"seldom_heard in {where}"
            )
            if not tables and not seldom:
                raise self.fail(
                    at(),
                    f'{where} shows nothing: give it tables = [ {{ rows = "age_band" }} ] '
                    "or seldom_heard = true, or remove the section.",
                )
            section = dataclasses.replace(section, tables=tables, seldom_heard=seldom)
        elif kind == "themes":
            section = dataclasses.replace(
                section,
                limit=self.int_value(raw.get("limit"), at("limit"), f"The limit of {where}", _LIMITS[kind]),
                compare_previous=self.bool_value(
                    raw.get("compare_previous"), True, at("compare_previous"), f"compare_previous in {where}"
                ),
            )
        elif kind == "quotes":
            section = dataclasses.replace(
                section,
                limit=self.int_value(raw.get("limit"), at("limit"), f"The limit of {where}", _LIMITS[kind]),
                per_theme=self.int_value(
                    raw.get("per_theme"), at("per_theme"), f"per_theme in {where}", _PER_THEME
                ),
            )
        elif kind == "actions":
            section = dataclasses.replace(
                section,
                include_responses=self.bool_value(
                    raw.get("include_responses"),
                    True,
                    at("include_responses"),
                    f"include_responses in {where}",
                ),
            )
        elif kind == "narrative":
            section = dataclasses.replace(
                section, questions=self.parse_questions(index, where, raw.get("questions"), question_at)
            )
        return section

    def parse_tables(self, index: int, where: str, raw: object) -> tuple[DemographicTable, ...]:
        def at(pattern: str | None = None, occurrence: int = 1) -> Locate:
            return lambda lines: lines.section(index, "tables", pattern, occurrence)

        if raw is None:
            return ()
        if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
            raise self.fail(
                at(),
                f"tables in {where} must be a list of tables such as "
                '[ { rows = "age_band", columns = "sex" }, { rows = "ethnicity" } ].',
            )
        if len(raw) > _MAX_TABLES:
            raise self.fail(at(), f"{where} has {len(raw)} tables; at most {_MAX_TABLES} are allowed.")
        fields = tuple(QUESTION_BY_FIELD)
        tables: list[DemographicTable] = []
        for position, entry in enumerate(raw, start=1):
            label = f"table {position} of {where}"
            for key in entry:
                if key not in _TABLE_KEYS:
                    raise self.fail(
                        at(rf"(^|[{{,\s]){re.escape(key)}\s*="),
                        f"{label} has a setting “{key}” that vcsedesk does not know."
                        f"{_suggest(key, _TABLE_KEYS)} A table may have rows and columns.",
                    )
            if "rows" not in entry:
                raise self.fail(at(), f'{label} has no rows; add rows = "…", one of {_listed(fields)}.')
            values: dict[str, str | None] = {}
            for key in _TABLE_KEYS:
                value = entry.get(key)
                if value is None:
                    values[key] = None
                    continue
                if not isinstance(value, str) or value not in QUESTION_BY_FIELD:
                    pattern = rf"{key}\s*=\s*{_quoted(value) if isinstance(value, str) else ''}"
                    raise self.fail(
                        at(pattern),
                        f"{label} has {key} = {_described(value)}, which is not an equality monitoring "
                        f"question; use one of {_listed(fields)}.",
                    )
                values[key] = value
            rows = values["rows"]
            assert rows is not None
            table = DemographicTable(rows, values["columns"])
            if table.columns == table.rows:
                raise self.fail(
                    at(rf"columns\s*=\s*{_quoted(rows)}"),
                    f"{label} has {rows} as both rows and columns; remove columns or choose another question.",
                )
            if table in tables:
                same_rows = sum(1 for t in tables if t.rows == rows) + 1
                raise self.fail(
                    at(rf"rows\s*=\s*{_quoted(rows)}", same_rows), f"{label} repeats an earlier table."
                )
            tables.append(table)
        return tuple(tables)

    def parse_questions(
        self, index: int, where: str, raw: object, question_at: dict[str, int]
    ) -> tuple[Question, ...]:
        if raw is None or raw == []:
            raise self.fail(
                lambda lines: lines.section(index, "questions"),
                f"{where} has no questions; add at least one [[sections.questions]] with a key and a text.",
            )
        if not isinstance(raw, list) or not all(isinstance(q, dict) for q in raw):
            raise self.fail(
                lambda lines: lines.section(index, "questions"),
                f"questions in {where} must be written as [[sections.questions]] tables, one for each question.",
            )
        if len(raw) > _MAX_QUESTIONS:
            raise self.fail(
                lambda lines: lines.section(index, "questions"),
                f"{where} has {len(raw)} questions; at most {_MAX_QUESTIONS} are allowed.",
            )
        questions: list[Question] = []
        for position, entry in enumerate(raw):
            raw_key = entry.get("key")
            # Earlier questions in this section with the same key, so an inline list finds the
            # right one of several identical `key = "…"` lines.
            same = sum(1 for q in raw[:position] if q.get("key") == raw_key) + 1
            key_pattern = rf"key\s*=\s*{_quoted(raw_key)}" if isinstance(raw_key, str) else None

            def at(
                key: str | None = None, pattern: str | None = None, position: int = position, same: int = same
            ) -> Locate:
                return lambda lines: lines.question(index, position, key, pattern, same)

            label = f"question {position + 1} of {where}"
            self.unknown_keys(
                entry, _QUESTION_KEYS, label, lambda key: at(key, rf"(^|[{{,\s]){re.escape(key)}\s*=")
            )
            key = self.required_text(
                raw_key,
                at("key", key_pattern),
                f"The key of {label}",
                f'{label} has no key; add one such as key = "highlights".',
                max_length=_MAX_KEY,
            )
            if not _QUESTION_KEY.match(key):
                raise self.fail(
                    at("key", key_pattern),
                    f"the key “{key}” of {label} may use only lower-case letters, digits and _ "
                    "(for example “next_steps”).",
                )
            if key in question_at:
                raise self.fail(
                    at("key", key_pattern),
                    f"the question key “{key}” is used twice (first in section {question_at[key]}); "
                    "each question needs a key of its own.",
                )
            question_at[key] = index + 1
            text = self.required_text(
                entry.get("text"),
                at("text", key_pattern),
                f"The text of question “{key}”",
                f'question “{key}” in {where} has no text; add the question, such as text = "What went well?".',
                max_length=_MAX_QUESTION,
            )
            help_text = self.text_value(
                entry.get("help"),
                at("help", key_pattern),
                f"The help of question “{key}”",
                max_length=_MAX_DESCRIPTION,
                multiline=True,
            )
            max_words = self.int_value(
                entry.get("max_words"),
                at("max_words", key_pattern),
                f"max_words of question “{key}”",
                _MAX_WORDS,
            )
            questions.append(Question(key, text, help_text, max_words))
        return tuple(questions)


def parse_template(text: str, source: str) -> Template:
    """The template written in ``text``; ``source`` names it in errors (a file name, or
    ``copy “X”`` for a coordinator's copy).  Raises :class:`TemplateError`."""
    return _Parser(text, source).parse()


# -- writing -------------------------------------------------------------------------------------


def _toml(values: Mapping[str, Any]) -> str:
    return tomli_w.dumps(values, multiline_strings=True)


def dump_template(template: Template) -> str:
    """``template`` as TOML text, laid out like the shipped files; ``parse_template`` of the
    result gives ``template`` back.  Raises :class:`TemplateError` if the template is not
    valid (the same checks as parsing) or has settings its sections' kinds do not use."""
    head: dict[str, Any] = {
        "format": FORMAT,
        "key": template.key,
        "name": template.name,
        "title": template.title,
    }
    if template.description:
        head["description"] = template.description
    if template.intro:
        head["intro"] = template.intro
    chunks = ["[template]\n" + _toml(head)]
    for section in template.sections:
        values: dict[str, Any] = {"kind": section.kind, "heading": section.heading}
        if section.intro:
            values["intro"] = section.intro
        if section.kind == "demographics":
            values["tables"] = [
                {"rows": t.rows, **({"columns": t.columns} if t.columns is not None else {})}
                for t in section.tables
            ]
            values["seldom_heard"] = section.seldom_heard
        elif section.kind in ("themes", "quotes") and section.limit is not None:
            values["limit"] = section.limit
        if section.kind == "themes":
            values["compare_previous"] = section.compare_previous
        elif section.kind == "quotes" and section.per_theme is not None:
            values["per_theme"] = section.per_theme
        elif section.kind == "actions":
            values["include_responses"] = section.include_responses
        chunk = "[[sections]]\n" + _toml(values)
        for question in section.questions if section.kind == "narrative" else ():
            asked: dict[str, Any] = {"key": question.key, "text": question.text}
            if question.help:
                asked["help"] = question.help
            if question.max_words is not None:
                asked["max_words"] = question.max_words
            chunk += "\n[[sections.questions]]\n" + _toml(asked)
        chunks.append(chunk)
    text = "\n".join(chunks)
    source = f"template “{template.name}”"
    if parse_template(text, source) != template:
        raise TemplateError(
            f"{source} has settings that do not apply to its sections (or text with stray spaces); "
            "they would be lost when it is saved.",
            source=source,
        )
    return text


# -- shipped templates and copies ----------------------------------------------------------------


@functools.cache
def shipped_templates() -> tuple[Template, ...]:
    """The templates that come with vcsedesk, sorted by name."""
    folder = resources.files(RESOURCE_PACKAGE).joinpath(RESOURCE_FOLDER)
    found = [
        parse_template(entry.read_text(encoding="utf-8"), entry.name)
        for entry in folder.iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    ]
    return tuple(sorted(found, key=lambda t: (t.name.casefold(), t.key)))


def shipped_template(key: str) -> Template:
    """The shipped template with ``key``; a :class:`UserError` names the ones there are."""
    for template in shipped_templates():
        if template.key == key:
            return template
    known = ", ".join(t.key for t in shipped_templates())
    raise UserError(f"vcsedesk has no built-in return template “{key}”. The built-in ones are: {known}.")


def key_from_name(name: str) -> str:
    """A template key made from a name: "Healthwatch – Q1 2026" → "healthwatch-q1-2026"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    key = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:_MAX_KEY].strip("-")
    return key or "template"


def copy_template(template: Template, key: str, name: str) -> Template:
    """A copy of ``template`` under a new key and name, with the same sections.  Raises
    :class:`ValidationError` (fields ``key`` and ``name``) if either is not acceptable."""
    problems: dict[str, str] = {}
    clean_name: str | None = None
    try:
        clean_name = clean_text(name, label="Name", max_length=_MAX_NAME, required=True)
    except Invalid as exc:
        problems["name"] = str(exc)
    clean_key = (key or "").strip()
    if not clean_key:
        problems["key"] = "Key is required."
    elif len(clean_key) > _MAX_KEY:
        problems["key"] = f"Key is too long ({len(clean_key)} characters; at most {_MAX_KEY})."
    elif not _KEY.match(clean_key):
        problems["key"] = (
            f"Key “{clean_key}” may use only lower-case letters, digits and hyphens, "
            "starting with a letter or digit (for example “my-quarterly-return”)."
        )
    if problems:
        raise ValidationError(problems, record="The copy of the template")
    assert clean_name is not None
    return dataclasses.replace(template, key=clean_key, name=clean_name)

"""Search behind one interface: FTS5 on SQLite, tsvector on PostgreSQL.

What a person types is words to find, never query syntax: quotes, apostrophes, hyphens,
AND / OR / NOT / NEAR, stars, carets, colons and brackets must neither break the query nor
change its meaning.
"""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

from vcsedesk.domain.phones import search_forms
from vcsedesk.store import search
from vcsedesk.store.database import Database

HOSTILE = [
    '"',
    '""',
    "'",
    "aisha\"'",
    'say "hi',
    "aisha OR bob",
    "aisha AND",
    "NOT bob",
    "aisha NOT bob",
    "NEAR(aisha bob)",
    "NEAR(aisha bob, 2)",
    "aisha*",
    "*",
    "^aisha",
    "body:aisha",
    "{body}: aisha",
    "(aisha",
    "aisha)",
    "a & b | !c",
    "aisha <-> bob",
    "aisha:*",
    "a:* & b",
    "\\",
    "--",
    "+aisha -bob",
    "%_",
    "aisha;DROP TABLE search_documents;--",
    "\x00aisha",
    "🙂",
    "x" * 300,
]

FTS5_TOKEN = r'"[^"\s]+"\*'
FTS5_SHAPE = re.compile(
    rf"^(\({FTS5_TOKEN}\) OR \()?{FTS5_TOKEN}( (AND|OR) {FTS5_TOKEN})*\)?$",
)
TSQ_TOKEN = r"[^\s&|!:()<>'\\]+:\*"
TSQ_SHAPE = re.compile(rf"^(\({TSQ_TOKEN}\) \| \()?{TSQ_TOKEN}( & {TSQ_TOKEN})*\)?$")


# -- the expression builders ---------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["", "   ", '"', "***", "-", "()", "&|!", "\t\n"])
def test_nothing_to_find_gives_no_expression(typed: str) -> None:
    assert search.fts5_expression(typed) is None
    assert search.tsquery_expression(typed) is None


def test_words_become_quoted_prefixes_that_must_all_match() -> None:
    assert search.fts5_expression("aisha") == '"aisha"*'
    assert search.fts5_expression("Aisha  RAHM") == '"aisha"* AND "rahm"*'
    assert search.tsquery_expression("Aisha  RAHM") == "aisha:* & rahm:*"


def test_operators_typed_by_a_person_are_words() -> None:
    assert search.fts5_expression("aisha OR bob") == '"aisha"* AND "or"* AND "bob"*'
    assert search.fts5_expression("NEAR(aisha bob)") == '"near"* AND "aisha"* AND "bob"*'
    assert search.fts5_expression("NOT bob") == '"not"* AND "bob"*'
    assert search.tsquery_expression("a & b | !c") == "a:* & b:* & c:*"
    assert search.tsquery_expression("aisha <-> bob") == "aisha:* & bob:*"


def test_apostrophes_hyphens_and_accents() -> None:
    assert search.fts5_expression("O'Brien") == '"o"* AND "brien"*'
    assert search.fts5_expression("Rahman-Begum") == '"rahman"* AND "begum"*'
    assert search.fts5_expression("Zoë") == '"zoe"*'
    assert search.tsquery_expression("Zoë O'Brien") == "zoe:* & o:* & brien:*"


def test_a_phone_number_is_also_looked_for_as_one_number() -> None:
    assert search.fts5_expression("07700 900123") == '("447700900123"*) OR ("07700"* AND "900123"*)'
    assert search.fts5_expression("+44 7700") == '("447700"*) OR ("44"* AND "7700"*)'
    assert search.fts5_expression("0770090") == '"44770090"* OR "0770090"*'
    assert search.tsquery_expression("07700 900123") == "(447700900123:*) | (07700:* & 900123:*)"


@given(st.text(max_size=40))
def test_any_text_gives_a_well_formed_expression(typed: str) -> None:
    fts = search.fts5_expression(typed)
    tsq = search.tsquery_expression(typed)
    assert (fts is None) == (tsq is None)
    if fts is not None and tsq is not None:
        assert FTS5_SHAPE.match(fts), fts
        assert TSQ_SHAPE.match(tsq), tsq


@pytest.mark.parametrize("typed", HOSTILE)
def test_hostile_input_gives_a_well_formed_expression(typed: str) -> None:
    fts = search.fts5_expression(typed)
    assert fts is None or FTS5_SHAPE.match(fts), fts
    tsq = search.tsquery_expression(typed)
    assert tsq is None or TSQ_SHAPE.match(tsq), tsq


# -- against the database -------------------------------------------------------------------------
KIND = "contact"


@pytest.fixture
def docs(db: Database) -> dict[str, uuid.UUID]:
    records = {
        "aisha": [
            "Aisha Rahman-Begum",
            "aisha.rahman@example.org",
            *search_forms("+447700900123"),
            "E1 6AN",
            "E16AN",
        ],
        "bob": ["Bob O'Brien", "bob@example.net", *search_forms("+442079460001"), "SW1A 1AA", "SW1A1AA"],
        "zoe": ["Zoë Łukasz", "Café owner", "N16 8AA"],
        "arabic": ["عائشة", "张伟"],
        "near": ["Nearholme Tenants", "Orton", "Notting"],
    }
    ids = {key: uuid.uuid4() for key in records}
    with db.write() as session:
        for key, parts in records.items():
            search.put(session, KIND, ids[key], parts)
        search.put(session, "engagement", uuid.uuid4(), ["Aisha Rahman spoke at the drop-in"])
    return ids


def find(db: Database, typed: str, kind: str = KIND) -> set[uuid.UUID]:
    with db.read() as session:
        return set(search.search(session, kind, typed))


def test_hostile_input_neither_breaks_nor_steers_the_query(db: Database, docs: dict[str, uuid.UUID]) -> None:
    for typed in HOSTILE:
        found = find(db, typed)
        words = set(re.findall(r"\w+", search.fold(typed)))
        if words <= {"aisha"}:
            assert found == ({docs["aisha"]} if words else set()), typed
        else:  # never "everything but bob", never "aisha or bob"
            assert docs["bob"] not in found, typed


WHO_IS_FOUND = [
    ("ai", "aisha"),
    ("RAHM", "aisha"),
    ("rahman-beg", "aisha"),
    ("begum", "aisha"),
    ("aisha.rahman@exa", "aisha"),
    ("example.org", "aisha"),
    ("o'brien", "bob"),
    ("brien bob", "bob"),
    ("zoe", "zoe"),
    ("Zoë", "zoe"),
    ("ZOE", "zoe"),
    ("cafe", "zoe"),
    ("café", "zoe"),
    ("łuk", "zoe"),
    ("عائشة", "arabic"),
    ("张伟", "arabic"),
    ("nearh", "near"),
    # a telephone number in any format (typed from its start)
    *(
        (typed, "aisha")
        for typed in (
            "07700 900123",
            "07700900123",
            "+44 7700 900123",
            "+447700900123",
            "0044 7700 900123",
            "(07700) 900-123",
            "7700 900123",
            "07700 90",
        )
    ),
    # a postcode compact or spaced, whole or begun
    *((typed, "aisha") for typed in ("E1 6AN", "e16an", "E16", "e1 6", "E1")),
]


def test_words_accents_prefixes_scripts_phones_and_postcodes(
    db: Database, docs: dict[str, uuid.UUID]
) -> None:
    wrong = {typed: find(db, typed) for typed, who in WHO_IS_FOUND if find(db, typed) != {docs[who]}}
    assert wrong == {}


def test_kinds_are_kept_apart_and_removal_takes_effect(db: Database, docs: dict[str, uuid.UUID]) -> None:
    assert find(db, "drop-in") == set()
    assert len(find(db, "drop-in", "engagement")) == 1
    assert find(db, "aisha", "nothing") == set()
    with db.write() as session:
        search.remove(session, KIND, docs["aisha"])
    assert find(db, "aisha") == set()
    assert len(find(db, "aisha", "engagement")) == 1


def test_put_replaces_the_document(db: Database, docs: dict[str, uuid.UUID]) -> None:
    with db.write() as session:
        search.put(session, KIND, docs["bob"], ["Robert Jones"])
    assert find(db, "bob") == set()
    assert find(db, "robert") == {docs["bob"]}


def test_results_are_limited(db: Database) -> None:
    with db.write() as session:
        for i in range(30):
            search.put(session, KIND, uuid.uuid4(), [f"Member {i}"])
    with db.read() as session:
        assert len(search.search(session, KIND, "member", limit=7)) == 7
        assert len(search.search(session, KIND, "member")) == 30


def test_a_database_error_during_search_is_wrapped_for_the_environment_check(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("the raw FTS5 path is SQLite's")
    with db.write() as session:
        session.connection().exec_driver_sql("DROP TABLE search_fts")
    with pytest.raises(OperationalError, match="no such table"), db.read() as session:
        search.search(session, KIND, "aisha")

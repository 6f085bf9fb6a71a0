"""Duplicate rules: what makes two contacts look alike, said in words; symmetric; blocking."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from vcsedesk.domain.duplicates import (
    MAX_BLOCK,
    Candidate,
    compact_postcode,
    compare,
    fold,
    name_similarity,
    rank,
    similar_names,
    similar_pairs,
)


def test_fold_and_compact_postcode() -> None:
    assert fold("  Zoë   O'BRIEN ") == "zoe o'brien"
    assert compact_postcode(" e1 6an ") == compact_postcode("E16AN") == "E16AN"
    assert compact_postcode(None) == ""


def test_each_reason_is_said_in_words() -> None:
    a = Candidate("Aisha Rahman", frozenset({"Aisha@Example.org"}), frozenset({"+447700900123"}), "E1 6AN")
    b = Candidate("rahman aisha", frozenset({"aisha@example.org"}), frozenset({"+447700900123"}), "E1 6AN")
    match = compare(a, b)
    assert match is not None and match.score == 100
    assert match.reasons == (
        "same email (aisha@example.org)",
        "same phone (+447700900123)",
        "similar name (100% alike) at the same postcode (E1 6AN)",
    )


def test_a_similar_name_alone_is_not_enough() -> None:
    assert (
        compare(Candidate("Aisha Rahman", postcode="E1 6AN"), Candidate("Aisha Rahman", postcode="E2 7AA"))
        is None
    )
    assert compare(Candidate("Aisha Rahman"), Candidate("Aisha Rahman")) is None
    assert (
        compare(Candidate("Aisha Rahman", postcode="E1 6AN"), Candidate("Bob Jones", postcode="E1 6AN"))
        is None
    )


def test_postcodes_compare_however_they_are_spaced() -> None:
    match = compare(Candidate("Zoë Lee", postcode="n16 8aa"), Candidate("Zoe Lee", postcode="N16 8AA"))
    assert match is not None and match.reasons == ("similar name (100% alike) at the same postcode (N168AA)",)


def test_a_similar_name_adds_weight_to_a_shared_phone() -> None:
    phone = frozenset({"+447700900123"})
    alike = compare(Candidate("Aisha Rahman", phones=phone), Candidate("Aisha Rahman", phones=phone))
    unlike = compare(Candidate("Aisha Rahman", phones=phone), Candidate("Bob Jones", phones=phone))
    assert alike is not None and unlike is not None and alike.score > unlike.score == 50


def test_rank_puts_the_most_alike_first() -> None:
    target = Candidate("Aisha Rahman", frozenset({"a@example.org"}), frozenset({"+447700900123"}), "E1 6AN")
    others = [
        ("phone", Candidate("Someone", phones=frozenset({"+447700900123"}))),
        ("none", Candidate("Bob")),
        ("all", target),
    ]
    assert [key for key, _ in rank(target, others)] == ["all", "phone"]


def test_similar_names_and_pairs_in_a_block() -> None:
    block = [(1, "Aisha Rahman"), (2, "Bob Jones"), (3, "Rahman, Aisha"), (4, ""), (5, "AISHA  RAHMAN")]
    assert sorted(similar_names("aisha rahman", block)) == [1, 3, 5]
    assert similar_names("", block) == []
    assert sorted(similar_pairs(block)) == [(1, 3), (1, 5), (3, 5)]


def test_a_crowded_block_is_split_and_still_finds_its_pairs() -> None:
    letters = "abcdefghijklmnopqrstuvwxyz"
    crowd = [(i, f"{letters[i % 26]}x{i} {letters[i // 26 % 26]}y{i}") for i in range(MAX_BLOCK + 50)]
    block = [*crowd, ("a", "Aisha Rahman"), ("b", "Rahman Aisha")]
    pairs = list(similar_pairs(block))
    assert ("a", "b") in pairs
    assert len(pairs) == len(set(pairs)) == len({frozenset(p) for p in pairs})


names = st.text(alphabet=st.sampled_from("abcé ABZ-'ö"), max_size=12)
emails = st.frozensets(st.sampled_from(["a@x.org", "A@x.org", "b@x.org", "c@y.net"]), max_size=2)
phones = st.frozensets(st.sampled_from(["+447700900001", "+447700900002", "+33142685300"]), max_size=2)
postcodes = st.none() | st.sampled_from(["E1 6AN", "e16an", "N16 8AA", ""])
candidates = st.builds(Candidate, names, emails, phones, postcodes)


@given(candidates, candidates)
def test_compare_is_symmetric(a: Candidate, b: Candidate) -> None:
    one, other = compare(a, b), compare(b, a)
    assert (one is None) == (other is None)
    if one is not None and other is not None:
        assert one.score == other.score
        assert [r.split(" (")[0] for r in one.reasons] == [r.split(" (")[0] for r in other.reasons]
    assert name_similarity(a.name, b.name) == name_similarity(b.name, a.name)


@given(candidates)
def test_a_contact_with_an_email_phone_or_place_matches_itself(a: Candidate) -> None:
    match = compare(a, a)
    has_place = bool(fold(a.name)) and bool(compact_postcode(a.postcode))
    if a.emails or a.phones or has_place:
        assert match is not None and 0 < match.score <= 100


@given(st.lists(names, max_size=8))
def test_similar_pairs_agrees_with_comparing_every_pair(block_names: list[str]) -> None:
    block = list(enumerate(block_names))
    expected = {
        (i, j)
        for (i, a), (j, b) in itertools.combinations(block, 2)
        if fold(a) and fold(b) and name_similarity(a, b) >= 85
    }
    assert set(similar_pairs(block)) == expected

"""Which contacts are probably the same person or organisation, and why.

A pair is a likely duplicate when they share an email address, or a telephone number, or
have similar names (``rapidfuzz`` token-set similarity, which forgives order, case and
middle names) and the same postcode.  Each match says why, for the person deciding.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from rapidfuzz import fuzz, process

NAME_SIMILARITY = 85.0
#: A block (contacts at one postcode) larger than this is split by the initial of each name
#: word before names are compared pairwise, so one crowded postcode cannot take minutes.
MAX_BLOCK = 1000

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Candidate:
    """What duplicate detection needs to know of one contact."""

    name: str
    emails: frozenset[str] = field(default_factory=frozenset)
    phones: frozenset[str] = field(default_factory=frozenset)
    postcode: str | None = None


@dataclass(frozen=True)
class Match:
    score: float
    reasons: tuple[str, ...]


def fold(text: str) -> str:
    """Lower case, accents removed, spaces collapsed: "  Zoë  O'Brien" -> "zoe o'brien"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def compact_postcode(postcode: str | None) -> str:
    """A postcode for comparing: "e1 6an" and "E16AN" are the same place."""
    return "".join((postcode or "").split()).upper()


def name_similarity(a: str, b: str) -> float:
    return float(fuzz.token_set_ratio(fold(a), fold(b)))


def compare(a: Candidate, b: Candidate) -> Match | None:
    """Why ``a`` and ``b`` look like the same contact, or None if they do not.

    Symmetric: ``compare(a, b)`` and ``compare(b, a)`` give the same score and reasons.
    """
    reasons = []
    score = 0.0
    same_email = sorted({e.casefold() for e in a.emails} & {e.casefold() for e in b.emails})
    if same_email:
        reasons.append(f"same email ({same_email[0]})")
        score += 60
    same_phone = sorted(a.phones & b.phones)
    if same_phone:
        reasons.append(f"same phone ({same_phone[0]})")
        score += 50
    similarity = name_similarity(a.name, b.name) if a.name and b.name else 0.0
    postcode = compact_postcode(a.postcode)
    same_postcode = bool(postcode) and postcode == compact_postcode(b.postcode)
    if similarity >= NAME_SIMILARITY and same_postcode:
        shown = a.postcode if a.postcode == b.postcode else postcode
        reasons.append(f"similar name ({similarity:.0f}% alike) at the same postcode ({shown})")
        score += similarity / 2
    if not reasons:
        return None
    if similarity >= NAME_SIMILARITY and not same_postcode:
        score += similarity / 4
    return Match(score=min(score, 100.0), reasons=tuple(reasons))


def rank(target: Candidate, others: Iterable[tuple[K, Candidate]]) -> list[tuple[K, Match]]:
    """The others that look like ``target``, most alike first."""
    found = [(key, m) for key, other in others if (m := compare(target, other)) is not None]
    return sorted(found, key=lambda item: item[1].score, reverse=True)


def similar_names(name: str, others: Sequence[tuple[K, str]]) -> list[K]:
    """Keys of the ``others`` whose name is at least NAME_SIMILARITY alike ``name``."""
    if not name or not others:
        return []
    choices = [fold(n) for _, n in others]
    found = process.extract(
        fold(name), choices, scorer=fuzz.token_set_ratio, score_cutoff=NAME_SIMILARITY, limit=None
    )
    return [others[index][0] for _, _, index in found]


def similar_pairs(block: Sequence[tuple[K, str]]) -> Iterator[tuple[K, K]]:
    """Pairs of keys in ``block`` (contacts sharing a postcode) whose names are alike.

    Each pair is given once, in the order the block lists them.  A block over MAX_BLOCK is
    split by the initial of each word of the name (people alike in name share a word, so
    share an initial), which keeps the pairwise work near-linear on crowded postcodes.
    """
    if len(block) > MAX_BLOCK:
        by_initial: dict[str, list[tuple[K, str]]] = {}
        for key, name in block:
            for initial in {w[0] for w in fold(name).split()}:
                by_initial.setdefault(initial, []).append((key, name))
        seen: set[tuple[K, K]] = set()
        for sub in by_initial.values():
            if len(sub) == len(block):  # every name shares this initial: splitting helps nothing
                sub = sub[:MAX_BLOCK]
            for pair in similar_pairs(sub):
                if pair not in seen and (pair[1], pair[0]) not in seen:
                    seen.add(pair)
                    yield pair
        return
    folded = [fold(n) for _, n in block]
    for i in range(len(block) - 1):
        if not folded[i]:
            continue
        found = process.extract(
            folded[i],
            folded[i + 1 :],
            scorer=fuzz.token_set_ratio,
            score_cutoff=NAME_SIMILARITY,
            limit=None,
        )
        for _, _, index in found:
            if folded[i + 1 + index]:
                yield block[i][0], block[i + 1 + index][0]

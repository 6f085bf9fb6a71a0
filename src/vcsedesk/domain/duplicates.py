"""Which contacts are probably the same person or organisation, and why.

A pair is a likely duplicate when they share an email address, or a telephone number, or
have similar names (``rapidfuzz`` token-set similarity, which forgives order, case and
middle names) and the same postcode.  Each match says why, for the person deciding.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

NAME_SIMILARITY = 85.0


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


def name_similarity(a: str, b: str) -> float:
    return float(fuzz.token_set_ratio(fold(a), fold(b)))


def compare(a: Candidate, b: Candidate) -> Match | None:
    """Why ``a`` and ``b`` look like the same contact, or None if they do not."""
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
    same_postcode = bool(a.postcode) and a.postcode == b.postcode
    if similarity >= NAME_SIMILARITY and same_postcode:
        reasons.append(f"similar name ({similarity:.0f}% alike) at the same postcode ({a.postcode})")
        score += similarity / 2
    if not reasons:
        return None
    if similarity >= NAME_SIMILARITY and not same_postcode:
        score += similarity / 4
    return Match(score=min(score, 100.0), reasons=tuple(reasons))


def rank(target: Candidate, others: Iterable[tuple[object, Candidate]]) -> list[tuple[object, Match]]:
    """The others that look like ``target``, most alike first."""
    found = [(key, m) for key, other in others if (m := compare(target, other)) is not None]
    return sorted(found, key=lambda item: item[1].score, reverse=True)

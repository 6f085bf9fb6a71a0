"""Equality monitoring: the questions and their answers.

Every question is optional and every one offers "Prefer not to say".  Categories follow the
Office for National Statistics 2021 Census for England and Wales where one exists.  This is
special-category data under UK GDPR: held in its own table, shown only in its own tab, and
reported only in aggregate with small numbers suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFER_NOT_TO_SAY = "Prefer not to say"


@dataclass(frozen=True)
class Question:
    field: str
    label: str
    answers: tuple[str, ...]

    def clean(self, value: str | None) -> str | None:
        from vcsedesk.domain.validation import Invalid

        if value is None or not str(value).strip():
            return None
        text = str(value).strip()
        for answer in self.answers:
            if answer.casefold() == text.casefold():
                return answer
        raise Invalid(f"“{text}” is not one of the answers to “{self.label}”.")


AGE_BANDS = ("Under 16", "16–17", "18–24", "25–34", "35–44", "45–54", "55–64", "65–74", "75–84", "85 or over")
ETHNICITY = (
    # Asian, Asian British or Asian Welsh
    "Asian: Bangladeshi",
    "Asian: Chinese",
    "Asian: Indian",
    "Asian: Pakistani",
    "Asian: Other Asian background",
    # Black, Black British, Black Welsh, Caribbean or African
    "Black: African",
    "Black: Caribbean",
    "Black: Other Black background",
    # Mixed or Multiple ethnic groups
    "Mixed: White and Asian",
    "Mixed: White and Black African",
    "Mixed: White and Black Caribbean",
    "Mixed: Other Mixed or Multiple background",
    # White
    "White: English, Welsh, Scottish, Northern Irish or British",
    "White: Irish",
    "White: Gypsy or Irish Traveller",
    "White: Roma",
    "White: Other White background",
    # Other ethnic group
    "Other: Arab",
    "Other: Any other ethnic group",
)

QUESTIONS: tuple[Question, ...] = (
    Question("age_band", "Age", (*AGE_BANDS, PREFER_NOT_TO_SAY)),
    Question("sex", "Sex", ("Female", "Male", PREFER_NOT_TO_SAY)),
    Question(
        "gender_identity",
        "Is the gender you identify with the same as your sex registered at birth?",
        ("Yes", "No", PREFER_NOT_TO_SAY),
    ),
    Question("ethnicity", "Ethnic group", (*ETHNICITY, PREFER_NOT_TO_SAY)),
    Question(
        "religion",
        "Religion or belief",
        (
            "No religion",
            "Buddhist",
            "Christian",
            "Hindu",
            "Jewish",
            "Muslim",
            "Sikh",
            "Any other religion",
            PREFER_NOT_TO_SAY,
        ),
    ),
    Question(
        "sexual_orientation",
        "Sexual orientation",
        (
            "Straight or heterosexual",
            "Gay or lesbian",
            "Bisexual",
            "Another sexual orientation",
            PREFER_NOT_TO_SAY,
        ),
    ),
    Question(
        "disability",
        "Do you have a long-term physical or mental health condition or illness that limits your day-to-day activities?",
        ("Yes, a lot", "Yes, a little", "No", PREFER_NOT_TO_SAY),
    ),
    Question(
        "carer",
        "Do you look after, or give help or support to, anyone because of long-term illness, disability or age?",
        (
            "No",
            "Yes, 19 or fewer hours a week",
            "Yes, 20 to 49 hours a week",
            "Yes, 50 or more hours a week",
            PREFER_NOT_TO_SAY,
        ),
    ),
)
QUESTION_BY_FIELD = {q.field: q for q in QUESTIONS}

#: Sensible starting list of locally chosen "seldom-heard" groups; each organisation edits it.
DEFAULT_SELDOM_HEARD = (
    "Refugees and asylum seekers",
    "People experiencing homelessness",
    "Gypsy, Roma and Traveller communities",
    "People with a learning disability",
    "Young carers",
    "People with no recourse to public funds",
    "People leaving prison",
    "Deaf people and BSL users",
    "People who do not speak English well",
)

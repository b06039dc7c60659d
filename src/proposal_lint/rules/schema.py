"""Pydantic schema of rule files and concept files (rules/*.yaml, rules/concepts/*.yaml).

A malformed file fails at load with the file, the field and the problem.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from proposal_lint.model import Severity

CONTEXTS = ("credentials", "negated", "contrast", "hypothetical", "question", "requirement", "rejected", "education", "definition", "heading", "history")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Terms = dict[str, list[str]]


def _check_terms(terms: Terms) -> Terms:
    for group, phrases in terms.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", group):
            raise ValueError(f"term group name {group!r} must be lower_snake_case")
        if not phrases:
            raise ValueError(f"term group {group!r} is empty")
    return terms


class _ConceptBase(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str | None = None  # how messages name it: "a measured prompt baseline"
    description: str = Field(min_length=10)
    terms: Terms

    _terms_ok = field_validator("terms")(_check_terms)

    def _need_groups(self, *names: str) -> None:
        missing = [n for n in names if n not in self.terms]
        if missing:
            raise ValueError(f"refers to term group(s) not defined under terms: {', '.join(missing)}")


class OtherSense(_Strict):
    """Words that show a "tune" mention is about something other than a model."""

    groups: list[str]  # which mention groups the check applies to
    objects: list[str]  # "fine-tune the retrieval settings"
    modifiers: list[str]  # "prompt fine-tuning"
    model_nouns: list[str]  # "fine-tune the model" (prefixes: "gpt" meets "gpt-4o")
    # A helper group of the concept saying the model itself stays unchanged ("we
    # do not train it"): where the document says so, a mention whose object is
    # unclear ("the fine-tuning phase") is read as another sense too.
    unchanged: str | None = None
    # Where the document defines a mentioned term ("Site Functional Test (SFT)",
    # "LoRa (long-range radio)", "| Custom Model | a report template |"), the
    # definition must hold one of these word starts for the term to keep this
    # concept's sense.
    gloss_words: list[str] = []


class MentionConcept(_ConceptBase):
    kind: Literal["mention"]
    weak: list[str] = []  # groups that count only with support (see weak_blocked_by)
    weak_blocked_by: list[str] = []  # concept ids, or "this.group" of this concept
    other_sense: OtherSense | None = None
    discount: list[Literal[CONTEXTS]] = []  # type: ignore[valid-type]
    helper: list[str] = []  # groups used by checks, not mentions themselves
    # Helper groups whose matches are another sense of the words they cover: a
    # mention overlapping one does not count ("Answers to the questions in the
    # RFP" is the vendor replying, not a question-answering use case).
    not_inside: list[str] = []

    @model_validator(mode="after")
    def _refs(self):
        os_ = self.other_sense
        if set(self.not_inside) - set(self.helper):
            raise ValueError("not_inside must name helper groups")
        self._need_groups(*self.weak, *self.helper, *self.not_inside, *(os_.groups if os_ else []),
                          *([os_.unchanged] if os_ and os_.unchanged else []))
        return self

    @property
    def mention_groups(self) -> list[str]:
        return [g for g in self.terms if g not in self.helper]


class TableCooccurrence(_Strict):
    row: list[str] = Field(min_length=1)
    header: list[str] = Field(min_length=1)
    number: bool = False  # the row must also hold a number
    # The paragraph right before the table may say what the rows measure: "We
    # ran a few-shot prompt on 60 episodes." over "| Drafts with no edits | 41 of
    # 60 (68%) |". It must report a measurement (an `unless` group).
    caption: bool = False


class CooccurrenceConcept(_ConceptBase):
    """Present where one unit (sentence or table row) has all of `all`."""

    kind: Literal["cooccurrence"]
    all: list[str] = Field(min_length=1)
    anchor: str
    none: list[str] = []  # a unit with any of these does not count...
    unless: list[str] = []  # ...unless it also has one of these
    never: list[str] = []  # a unit with any of these never counts
    # A unit may complete the sentence before it in the same paragraph, or
    # (section) anywhere in the same section.
    window: Literal["paragraph", "section"] = "paragraph"
    # Also present in a table row that has all `row` groups (and a number, if
    # `number`) under a header row with all `header` groups: "Few-shot prompt |
    # 54 of 100" under "Correct".
    table: TableCooccurrence | None = None
    discount: list[Literal[CONTEXTS]] = []  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _refs(self):
        self._need_groups(*self.all, self.anchor, *self.none, *self.unless, *self.never,
                          *((self.table.row + self.table.header) if self.table else []))
        return self


class PartsConcept(_ConceptBase):
    """Present where an anchor unit has one of `with_any` and the document has all `require`."""

    kind: Literal["parts"]
    anchor: str
    with_any: list[str] = Field(min_length=1)
    require: list[str] = []
    discount: list[Literal[CONTEXTS]] = []  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _refs(self):
        self._need_groups(self.anchor, *self.with_any, *self.require)
        return self


CONTEXT_GROUPS = (
    "negation_before",
    "negation_after",
    "contrast",
    "clause_break",
    "hypothetical",
    "conditional_lead",
    "rejected",
    "rejected_heading",
    "education_heading",
    "credentials_heading",
    "price_heading",
    "credentials",
    "question",
    "requirement",
    "party",
    "generic_verb",
)


class ContextConcept(_ConceptBase):
    """Cue words that decide whether a mention counts (negation, questions...)."""

    kind: Literal["context"]

    @model_validator(mode="after")
    def _refs(self):
        self._need_groups(*CONTEXT_GROUPS)
        return self


Concept = Annotated[
    Union[MentionConcept, CooccurrenceConcept, PartsConcept, ContextConcept],
    Field(discriminator="kind"),
]


class ConceptFile(BaseModel):
    concept: Concept


# ---- rules ---------------------------------------------------------------------


class Documentation(_Strict):
    what: str = Field(min_length=20)  # what the rule checks
    why: str = Field(min_length=20)  # why it matters to the buyer
    good: str = Field(min_length=20)  # what good looks like


class AbsenceCheck(_Strict):
    """Fires when `when` is present and `missing` is absent from the whole document."""

    type: Literal["absence"]
    when: str
    missing: str


class PurposeCheck(_Strict):
    """Fires when `when` is present and is aimed at `aim` rather than `versus`.

    `aim` and `versus` name a concept, or one term group of it ("narrow_task.task_shape").
    """

    type: Literal["purpose"]
    when: str
    aim: str
    versus: str
    # "concept.group" term groups that only count next to a `when` mention
    # (e.g. the word "manuals" says what a fine-tune is for, not what the
    # whole document is about).
    near_only: list[str] = []
    # A concept that serves the aim by other means (retrieval): an `aim` mention
    # in a sentence about it, and not about `when`, is that concept's aim ("A
    # retrieval component looks up the articles for each case").
    served_by: str | None = None


class CooccursCheck(_Strict):
    """Fires when `when` and any of `also` are present: a concept, a "concept.group",
    or the id of a rule that fired on the document (rules run in id order)."""

    type: Literal["cooccurs"]
    when: str
    also: list[str] = Field(min_length=1)

    @field_validator("also", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return [v] if isinstance(v, str) else v


class PricedOnlyCheck(_Strict):
    """Fires when `when` is present and the price covers `priced` items but none of `unpriced`.

    Price lines are the units of sections whose heading names a price
    (context cue group `price_heading`) and the rows of tables that carry an
    amount (`costs`' helper group `money`); the other groups are kinds of work.
    """

    type: Literal["priced_only"]
    when: str
    costs: str
    money: str
    priced: list[str] = Field(min_length=1)
    unpriced: list[str] = Field(min_length=1)
    # Groups that count only on a line carrying an amount (money, or a table row
    # with a number): a lump-sum line ("Phases 1-3 | 24,000"), not a slogan
    # ("Fixed price, no surprises").
    amount_only: list[str] = []


Check = Annotated[Union[AbsenceCheck, PurposeCheck, CooccursCheck, PricedOnlyCheck], Field(discriminator="type")]


class Examples(_Strict):
    flag: list[str] = Field(min_length=1)  # passages that must trigger the rule
    ok: list[str] = Field(min_length=1)  # passages that must not


class Rule(_Strict):
    id: str = Field(pattern=r"^[A-Z]{2,}[0-9]{3}$")
    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    severity: Severity
    message: str = Field(min_length=10)
    documentation: Documentation
    question: str = Field(min_length=10)
    check: Check
    examples: Examples

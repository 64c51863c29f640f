"""Label checks before training: values a document cannot have produced, and values of the wrong kind.

An owner's new examples are checked before any training (`finx retrain`), so a careless export
(fields swapped, values typed from memory) is visible before it costs a run:
- `not in document`: a copied value (`x-finx-source: copy`) that does not occur in its document,
  not even with case and spacing ignored (copy-grounded decoding could never write it);
- `not written in document`: a date or duration no written form of which occurs in the document
  (a party name is compared as it is labeled: commas dropped, `&` as `and`);
- `not a date` / `reads as an amount`: a date field (source `date`, or a field, not a list, named `date` / `*_date`)
  holding something that does not read as a date, or that is a plain amount;
- `reads as a date` / `no digits`: an amount field (source `amount`, or named like `total`,
  `tax`, `price`) holding a date, or text without a digit.
Knows nothing about training or the registry; the examples are already schema-valid.
"""

import re
from collections import Counter
from dataclasses import dataclass

from finx.extraction.confidence import INDEX
from finx.training.examples import Example
from finx.training.sft_data import value_in_text
from finx.values.grounding import ground
from finx.values.normalise import canonical_party_name, normalise_amount, normalise_date
from finx.values.sources import string_leaves

AMOUNT_FIELDS = {"total", "subtotal", "tax", "amount", "price", "unit_price", "balance", "fee"}


@dataclass(frozen=True)
class LabelIssue:
    example_id: str
    schema: str
    path: str
    value: str
    problem: str

    @property
    def field(self) -> str:
        """The field the issue is about, list positions dropped (`line_items[].amount`)."""
        return INDEX.sub("[]", self.path)

    def __str__(self) -> str:
        return f"{self.example_id}: {self.schema}.{self.path} = {self.value!r}: {self.problem}"


def check_labels(examples: list[Example]) -> list[LabelIssue]:
    """Every suspicious label of `examples`, in example order."""
    issues = []
    for example in examples:
        for path, mode, value in string_leaves(example.schema.json_schema, example.target):
            problem = label_problem(path, mode, value, example.text)
            if problem is not None:
                issues.append(LabelIssue(example.id, example.schema.name, path, value, problem))
    return issues


def label_problem(path: str, mode: str, value: str, text: str) -> str | None:
    """What is wrong with one labeled value, or None."""
    name = INDEX.sub("", path).rsplit(".", 1)[-1]
    named = not path.endswith("]")  # a field's name types its value; a list's name does not ("date": periods)
    is_date = mode == "date" or (named and (name == "date" or name.endswith("_date")))
    is_amount = mode == "amount" or (named and name in AMOUNT_FIELDS)
    if is_date and normalise_date(value) is None:
        return "reads as an amount, not a date" if _plain_amount(value) else "not a date"
    if is_amount and normalise_date(value) is not None and not _plain_amount(value):
        return "reads as a date, not an amount"
    if is_amount and not any(char.isdigit() for char in value):
        return "no digits: not an amount"
    if mode in ("date", "duration"):
        return None if value_in_text(value, text) else "not written in the document"
    if mode == "name":  # labeled with commas dropped and '&' as 'and': compare in that form
        written = (canonical_party_name(text) or "").casefold()
        return None if (canonical_party_name(value) or "").casefold() in written else "not in the document"
    if mode != "free" and ground(text, {"v": value})[0].match in ("fuzzy", "not_found"):
        return "not in the document"
    return None


def _plain_amount(value: str) -> bool:
    return normalise_amount(value) is not None and re.fullmatch(r"[^\d]{0,4}[\d.,' ]+[^\d]{0,4}", value) is not None


def issues_by_field(issues: list[LabelIssue]) -> dict[str, int]:
    """How many suspicious labels each `schema.field` has, most first."""
    counts = Counter(f"{issue.schema}.{issue.field}" for issue in issues)
    return dict(counts.most_common())

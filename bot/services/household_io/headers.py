"""The header vocabulary of bot/content/import_headers.toml: column names and yes/no words."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.services.household_io.cells import Cells, cell_text
from bot.vntext import fold

HEADERS_FILE = Path(__file__).resolve().parents[2] / "content" / "import_headers.toml"
FIELDS = (
    "village",
    "code",
    "head_name",
    "members",
    "members_with_account",
    "submitted_online",
    "paid_online",
    "phone",
    "note",
)


@dataclass(frozen=True)
class HeaderMap:
    """Which column holds which field, and the headers left aside."""

    columns: dict[str, int]
    unknown: list[str]
    duplicates: list[tuple[str, str]]


@dataclass(frozen=True)
class Vocabulary:
    """Header synonyms and yes/no words, all in folded form."""

    synonyms: dict[str, str]
    labels: dict[str, str]
    ignored: frozenset[str]
    true_words: frozenset[str]
    false_words: frozenset[str]
    yes_label: str
    no_label: str

    def field_for(self, header: str) -> str | None:
        """The field a header names: the same words, or the longest synonym it starts with."""
        folded = fold(header)
        if folded in self.synonyms:
            return self.synonyms[folded]
        words = folded.split()
        for length in range(len(words) - 1, 0, -1):
            found = self.synonyms.get(" ".join(words[:length]))
            if found is not None:
                return found
        return None

    def map_header(self, cells: Cells) -> HeaderMap:
        """Map a candidate header row; the first column naming a field wins."""
        columns: dict[str, int] = {}
        unknown: list[str] = []
        duplicates: list[tuple[str, str]] = []
        for index, cell in enumerate(cells):
            header = cell_text(cell)
            folded = fold(header)
            if not folded or folded in self.ignored:
                continue
            name = self.field_for(header)
            if name is None:
                unknown.append(header)
            elif name in columns:
                duplicates.append((header, cell_text(cells[columns[name]])))
            else:
                columns[name] = index
        return HeaderMap(columns, unknown, duplicates)

    def yes_no(self, value: object) -> bool | None:
        """True or False for a yes/no cell; None when the value means neither."""
        if isinstance(value, bool):
            return value
        text = cell_text(value)
        if not text:
            return False
        forms = (text.lower(), fold(text))
        if any(form in self.true_words for form in forms):
            return True
        if any(form in self.false_words for form in forms):
            return False
        return None


def _word_forms(words: Iterable[str]) -> frozenset[str]:
    """Each word as written (lower case) and folded; symbols fold to nothing, so keep both."""
    forms = {form for word in words for form in (word.strip().lower(), fold(word))}
    forms.discard("")
    return frozenset(forms)


def load_vocabulary(
    path: Path, fields: Sequence[str], yes_no_from: Vocabulary | None = None
) -> Vocabulary:
    """A sheet's header words from a TOML file: `[columns]` gives each field's header words (the
    first is its label), `[ignore] headers` what to skip, `[booleans]` the yes/no words (else
    those of `yes_no_from`, else none). Every field must be there; a word naming two fields is
    a data error."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    columns: dict[str, list[str]] = data["columns"]
    if set(columns) != set(fields):
        raise ValueError(f"{path.name}: the columns must be {tuple(fields)}")
    synonyms: dict[str, str] = {}
    for name, names in columns.items():
        for header in names:
            if synonyms.setdefault(fold(header), name) != name:
                raise ValueError(f"{path.name}: {header!r} names two fields")
    labels = {name: names[0] for name, names in columns.items()}
    ignored = frozenset(fold(header) for header in data["ignore"]["headers"])
    if "booleans" in data:
        yes, no = data["booleans"]["true"], data["booleans"]["false"]
        words = (_word_forms(yes), _word_forms(no), yes[0], no[0])
    elif yes_no_from is not None:
        base = yes_no_from
        words = (base.true_words, base.false_words, base.yes_label, base.no_label)
    else:
        words = (frozenset(), frozenset(), "", "")
    return Vocabulary(synonyms, labels, ignored, *words)


@cache
def vocabulary(path: Path = HEADERS_FILE) -> Vocabulary:
    """The household register's header words, loaded once."""
    return load_vocabulary(path, FIELDS)

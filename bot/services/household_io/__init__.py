"""Import and export of the household register as Excel (.xlsx) or CSV files.

Imports are matched on (village, household code): the same file imported twice changes
nothing. Rows are validated in Python and written with Core executemany in batches, because
the ORM's one INSERT per row is far too slow for a commune's whole register on SQLite.

Modules, in the order an import runs: `tables` reads the file and finds the header row with
the vocabulary of `headers`; `rows` parses each row; `villages` and `codes` resolve the village
and the household code; `plan` compares with the register, field by field three ways as `merge`
explains, so that a value changed in chat is never silently undone; `apply` writes; `importer`
runs them all; `report` says what changed, what was kept and what was skipped. `export`
writes the register back out.
"""

from __future__ import annotations

from bot.services.household_io.codes import village_initials
from bot.services.household_io.export import export_households
from bot.services.household_io.headers import Vocabulary, vocabulary
from bot.services.household_io.importer import import_households
from bot.services.household_io.report import FieldDiff, ImportReport, RowError

__all__ = [
    "FieldDiff",
    "ImportReport",
    "RowError",
    "Vocabulary",
    "export_households",
    "import_households",
    "village_initials",
    "vocabulary",
]

"""Importing the help desk's own assistance sheet (.xlsx or .csv): `dvcbot import assistance`.

Read like a household register (household_io.tables: the header found among the first rows,
headers matched forgivingly with the words of bot/content/assistance_headers.toml, yes/no cells
with those of import_headers.toml). Modules, in the order an import runs: `columns` (the
vocabulary), `rows` (each row checked on its own), `matching` (village, household, helper,
procedure), `importer` (the natural key, writing, the report).
"""

from __future__ import annotations

from bot.services.assistance_io.importer import AssistanceImport, import_assistance

__all__ = ["AssistanceImport", "import_assistance"]

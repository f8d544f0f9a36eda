"""Finding what a row of an assistance sheet names: village, household, helper, procedure."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import Household, Person, Role, RoleGrant
from bot.services.assistance_io.rows import HelpRow
from bot.services.household_io.villages import VillageResolver, load_villages
from bot.services.privacy import mask_phone
from bot.vntext import fold

PHONE_LIKE = re.compile(r"^[+\d][\d .\-]{6,}$")
HELPER_ROLES = (Role.VOLUNTEER, Role.OFFICER, Role.OFFICIAL, Role.ADMIN)


def _phone_key(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return "0" + digits[2:] if digits.startswith("84") and len(digits) == 11 else digits


class Finder:
    """Looks up what rows name, remembering answers: a sheet names a few people many times."""

    def __init__(
        self, villages: VillageResolver, helpers: list[Person], procedures: Mapping[str, str]
    ) -> None:
        self.villages = villages
        self.helpers = helpers
        self.procedures = {fold(name): guide for name, guide in procedures.items()}
        self.helper_ids: dict[str, int] = {}

    @classmethod
    async def load(
        cls, session: AsyncSession, procedures: Mapping[str, str], commune_id: int | None = None
    ) -> Finder:
        """The villages, and the people holding (or having held) a staff role: of one commune
        when given."""
        staff = select(RoleGrant.person_id).where(RoleGrant.role.in_(HELPER_ROLES))
        if commune_id is not None:
            staff = staff.where(RoleGrant.commune_id == commune_id)
        helpers = list(await session.scalars(select(Person).where(Person.id.in_(staff))))
        return cls(VillageResolver(await load_villages(session, commune_id)), helpers, procedures)

    def village_id(self, row: HelpRow) -> int:
        village = self.villages.find(row.village)
        if village is None or village.id is None:
            raise DomainError("assistance_io.unknown_village", name=row.village[:60])
        return village.id

    async def household(self, session: AsyncSession, row: HelpRow, village_id: int) -> Household:
        """By code in the village; else by the head's name when one household fits."""
        query = select(Household).where(Household.village_id == village_id)
        if row.code is not None:
            found = await session.scalar(
                query.where(func.upper(Household.code) == row.code.upper())
            )
            if found is None:
                raise DomainError("assistance_io.unknown_code", code=row.code[:40])
            return found
        head = row.head or ""
        matches = list(await session.scalars(query.where(Household.folded_head == fold(head))))
        if not matches:
            raise DomainError("assistance_io.unknown_head", name=head[:60])
        if len(matches) > 1:
            codes = ", ".join(sorted(household.code for household in matches))
            raise DomainError("assistance_io.several_heads", name=head[:60], codes=codes)
        return matches[0]

    def helper_id(self, row: HelpRow) -> int:
        """By phone, or by name (accents optional; part of a name when it fits only one)."""
        if row.helper in self.helper_ids:
            return self.helper_ids[row.helper]
        wanted = row.helper[:100]
        if PHONE_LIKE.match(wanted):
            key = _phone_key(wanted)
            found = [p for p in self.helpers if p.phone and _phone_key(p.phone) == key]
            shown = mask_phone(wanted)
        else:
            folded = fold(wanted)
            found = [p for p in self.helpers if fold(p.display_name) == folded]
            if not found:
                found = [p for p in self.helpers if folded in fold(p.display_name)]
            shown = wanted[:60]
        if not found:
            raise DomainError("assistance_io.unknown_helper", name=shown)
        if len(found) > 1:
            names = "; ".join(sorted(p.display_name for p in found))
            raise DomainError("assistance_io.several_helpers", name=shown, names=names)
        self.helper_ids[row.helper] = found[0].id
        return found[0].id

    def procedure(self, row: HelpRow) -> str | None:
        """The guide id of the procedure named (by title or id), or None."""
        if row.procedure is None:
            return None
        guide = self.procedures.get(fold(row.procedure))
        if guide is None:
            raise DomainError("assistance_io.unknown_procedure", name=row.procedure[:60])
        return guide

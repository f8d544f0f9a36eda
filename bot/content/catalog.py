"""The guide catalog: one TOML file per guide, validated at start; a broken file is reported."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

log = logging.getLogger(__name__)

BUILTIN_GUIDES = Path(__file__).parent / "guides"
GUIDE_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class GuideGroup(StrEnum):
    ACCOUNTS = "accounts"
    SUBMIT_PAY = "submit-pay"
    PROCEDURES = "procedures"
    SAFETY = "safety"


class ProcedureField(StrEnum):
    """The field (lĩnh vực) a procedure belongs to, as communes group dossiers and set monthly
    targets; the one list of fields (labels: `procedure_fields.*` in bot/locales/vi/targets.toml).
    """

    CIVIL_STATUS = "civil-status"  # hộ tịch: birth, death, marriage, marital status
    CERTIFICATION = "certification"  # chứng thực
    SOCIAL_ASSISTANCE = "social-assistance"  # bảo trợ xã hội
    MERIT = "merit"  # người có công: martyrs' relatives and others with merit
    LAND = "land"  # đất đai
    RESIDENCE = "residence"  # cư trú
    IDENTITY = "identity"  # căn cước, định danh điện tử
    OTHER = "other"


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1, max_length=1500)
    tip: str | None = Field(default=None, max_length=600)
    image: str | None = None


class Guide(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=GUIDE_ID_PATTERN, max_length=40)
    title: str = Field(min_length=1, max_length=60)
    group: GuideGroup
    summary: str = Field(min_length=1)
    where: str = Field(min_length=1)
    fees: str = Field(min_length=1)
    account_related: bool = False
    # Stated in every file of the procedures group; the default keeps dumps valid TOML.
    field: ProcedureField = ProcedureField.OTHER
    aliases: tuple[str, ...] = Field(min_length=1)
    bring: tuple[str, ...] = Field(min_length=1)
    legal_basis: tuple[str, ...] = Field(min_length=1)
    related: tuple[str, ...] = ()
    steps: tuple[Step, ...] = Field(min_length=1, max_length=20)

    @field_validator("aliases")
    @classmethod
    def _no_blank_alias(cls, aliases: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(alias.strip() for alias in aliases)
        if any(not alias for alias in cleaned):
            raise ValueError("aliases may not be blank")
        return cleaned


@dataclass(frozen=True)
class LoadProblem:
    file: Path
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class Catalog:
    guides: dict[str, Guide] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)
    image_dirs: dict[str, Path] = field(default_factory=dict)

    def get(self, guide_id: str) -> Guide | None:
        return self.guides.get(guide_id)

    def by_group(self, group: GuideGroup) -> list[Guide]:
        return [guide for guide in self.guides.values() if guide.group is group]

    def procedure_fields(self) -> dict[str, ProcedureField]:
        """The field of each procedure guide, by guide id."""
        procedures = self.by_group(GuideGroup.PROCEDURES)
        return {guide.id: guide.field for guide in procedures}

    def step_image(self, guide: Guide, step: Step) -> Path | None:
        """The picture file of a step, if the guide has one and it exists."""
        if step.image is None:
            return None
        path = self.image_dirs[guide.id] / step.image
        return path if path.is_file() else None


def load_catalog(extra_dir: Path | None = None) -> Catalog:
    """Built-in guides, then those of `extra_dir` (same id overrides, new ids add)."""
    catalog = Catalog()
    for directory in (BUILTIN_GUIDES, extra_dir):
        if directory is None:
            continue
        if not directory.is_dir():
            catalog.problems.append(LoadProblem(directory, "content directory not found"))
            continue
        for path in sorted(directory.glob("*.toml")):
            guide = _load_file(path, catalog.problems)
            if guide is not None:
                catalog.guides[guide.id] = guide
                catalog.image_dirs[guide.id] = path.parent
    _check_related(catalog)
    for problem in catalog.problems:
        log.error("guide content problem: %s", problem)
    return catalog


def _load_file(path: Path, problems: list[LoadProblem]) -> Guide | None:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(LoadProblem(path, f"not valid TOML: {exc}"))
        return None
    try:
        guide = Guide.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "(file)"
            problems.append(LoadProblem(path, f"field {where}: {error['msg']}"))
        return None
    if guide.id != path.stem:
        problems.append(LoadProblem(path, f"field id: {guide.id!r} differs from the file name"))
        return None
    return guide


def _check_related(catalog: Catalog) -> None:
    for guide in catalog.guides.values():
        missing = [other for other in guide.related if other not in catalog.guides]
        if missing:
            path = catalog.image_dirs[guide.id] / f"{guide.id}.toml"
            catalog.problems.append(LoadProblem(path, f"field related: unknown ids {missing}"))

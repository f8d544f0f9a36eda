"""What handlers reach through ctx.services: settings and shared read-only resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.config import Settings
from bot.content.catalog import Catalog, Guide
from bot.core.media import MediaStore


class GuideMatch(Protocol):
    """The guide a question is about (None: out of scope), with close runners-up."""

    @property
    def guide_id(self) -> str | None: ...
    @property
    def score(self) -> float: ...
    @property
    def alternatives(self) -> tuple[str, ...]: ...


class QuestionMatcher(Protocol):
    def match(self, text: str) -> GuideMatch: ...


class GuidePictures(Protocol):
    def picture(self, guide: Guide) -> bytes: ...


@dataclass
class Services:
    settings: Settings
    catalog: Catalog
    matcher: QuestionMatcher
    pictures: GuidePictures
    media: MediaStore  # pictures and files kept for replies sent again, and for links

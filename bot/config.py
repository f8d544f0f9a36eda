"""Settings: config.toml plus DVCBOT_* environment variables (nested with "__")."""

from __future__ import annotations

import os
import tomllib
from datetime import time
from pathlib import Path
from typing import ClassVar, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_CONFIG_FILE = Path("config.toml")
CONFIG_ENV_VAR = "DVCBOT_CONFIG"


class ConfigError(Exception):
    """A configuration problem, described in one line for the person running the bot."""


class TelegramSettings(BaseModel):
    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    concurrent_updates: int = Field(default=32, ge=1, le=256)
    poll_timeout: int = Field(default=30, ge=0, le=50)
    rate_limit: bool = True
    messages_per_second: float = Field(default=30.0, gt=0, le=1000)
    group_messages_per_minute: int = Field(default=20, ge=1, le=60)


class DatabaseSettings(BaseModel):
    url: str = "sqlite+aiosqlite:///./dvcbot.db"
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _supported_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value


class CommuneSettings(BaseModel):
    name: str = "Xã Minh Họa"
    timezone: str = "Asia/Ho_Chi_Minh"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ContentSettings(BaseModel):
    guides_dir: Path | None = None
    cache_dir: Path = Path("cache")


class ShiftSettings(BaseModel):
    horizon_weeks: int = Field(default=4, ge=1, le=26)
    skip_public_holidays: bool = True
    evening_reminder_hour: int = Field(default=19, ge=0, le=23)
    reminder_minutes_before: int = Field(default=60, ge=5, le=720)
    withdraw_cutoff_hours: int = Field(default=24, ge=0, le=168)
    checkin_minutes_before: int = Field(default=30, ge=0, le=180)
    standin_deadline_minutes: int = Field(default=180, ge=0, le=2880)
    standin_max_offers: int = Field(default=30, ge=1, le=500)
    understaffed_alert_hour: int = Field(default=16, ge=0, le=23)
    open_shifts_days: int = Field(default=14, ge=1, le=60)


class BotSettings(BaseModel):
    demo_data: bool = True
    log_level: str = "INFO"
    max_text_length: int = Field(default=2000, ge=100)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ReportsSettings(BaseModel):
    """Targets for officials' reports and when the pushed reports go out (commune time)."""

    coverage_target: float = Field(default=80, ge=0, le=100)
    kpi_submitted_online: float = Field(default=70, ge=0, le=100)
    kpi_papers_digitised: float = Field(default=90, ge=0, le=100)
    kpi_paid_online: float = Field(default=40, ge=0, le=100)
    kpi_household_coverage: float = Field(default=100, ge=0, le=100)
    daily_tally_time: time = time(17, 30)
    weekly_summary_day: Weekday = "fri"
    weekly_summary_time: time = time(17, 45)
    push_until: time = time(21, 0)
    snapshot_time: time = time(23, 50)

    @model_validator(mode="after")
    def _push_window(self) -> Self:
        for name in ("daily_tally_time", "weekly_summary_time"):
            if getattr(self, name) >= self.push_until:
                raise ValueError(f"{name} must be earlier than push_until")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DVCBOT_", env_nested_delimiter="__", extra="forbid"
    )
    toml_path: ClassVar[Path | None] = None

    bot: BotSettings = BotSettings()
    commune: CommuneSettings = CommuneSettings()
    content: ContentSettings = ContentSettings()
    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    reports: ReportsSettings = ReportsSettings()
    shifts: ShiftSettings = ShiftSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls.toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls.toml_path))
        return tuple(sources)


def resolve_config_path(explicit: Path | None) -> Path | None:
    """The config file to read: --config, then $DVCBOT_CONFIG, then ./config.toml if present."""
    if explicit is not None:
        chosen = explicit
    elif os.environ.get(CONFIG_ENV_VAR):
        chosen = Path(os.environ[CONFIG_ENV_VAR])
    elif DEFAULT_CONFIG_FILE.exists():
        return DEFAULT_CONFIG_FILE
    else:
        return None
    if not chosen.is_file():
        raise ConfigError(f"Không tìm thấy tệp cấu hình {chosen} (config file not found).")
    return chosen


def load_settings(config_path: Path | None = None) -> Settings:
    """Load settings, turning every problem into one ConfigError line that names the key."""
    path = resolve_config_path(config_path)
    if path is not None:
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Tệp cấu hình {path} sai cú pháp TOML: {exc}") from exc
    settings_cls = type("FileSettings", (Settings,), {"toml_path": path})
    try:
        settings = settings_cls()
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from exc
    assert isinstance(settings, Settings)
    return settings


def _describe(exc: ValidationError, path: Path | None) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"]) or "?"
    source = f" in {path}" if path else ""
    env_name = "DVCBOT_" + "__".join(str(part) for part in error["loc"]).upper()
    return f"Invalid config key '{key}'{source} (or ${env_name}): {error['msg']}"

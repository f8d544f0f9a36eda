"""Settings: config.toml plus DVCBOT_* environment variables (nested with "__")."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any, ClassVar, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
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
ENV_PREFIX = "DVCBOT_"
CONFIG_ENV_VAR = "DVCBOT_CONFIG"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
TELEGRAM_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
ZALO_SECRET = re.compile(r"^[A-Za-z0-9_-]{8,256}$")


class ConfigError(Exception):
    """A configuration problem, described in one line for the person running the bot."""


class StartupError(ConfigError):
    """A setting that did not work at start (the database, Telegram), with what to check."""


def did_you_mean(written: str, known: Mapping[str, str]) -> str:
    """A "did you mean" hint for the known name closest to what was written (difflib), or "".

    `known` maps each name as compared to the name as shown: an environment variable is
    compared without the DVCBOT_ prefix they all share, which would make any two look alike.
    """
    close = difflib.get_close_matches(written, list(known), n=1)
    return f"; did you mean {known[close[0]]!r}?" if close else ""


class Section(BaseModel):
    """A [section] of the configuration: a key it does not have is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class TelegramSettings(Section):
    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    concurrent_updates: int = Field(default=32, ge=1, le=256)
    # The Bot API's HTTP client: "aiohttp" sends a reply for a third of the CPU of "httpx"
    # (python-telegram-bot's own), which holds 6-7 MB less (bot/channels/telegram_http.py).
    http_client: Literal["httpx", "aiohttp"] = "aiohttp"
    poll_timeout: int = Field(default=30, ge=0, le=50)
    rate_limit: bool = True
    messages_per_second: float = Field(default=30.0, gt=0, le=1000)
    group_messages_per_minute: int = Field(default=20, ge=1, le=60)
    # With it, `dvcbot serve` receives updates by webhook; Telegram sends it back in a header.
    webhook_secret: SecretStr | None = None
    # The bot's @username, for links and poster QR codes; without it, asked of Telegram.
    bot_username: str | None = None

    @field_validator("bot_username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        if value is None:
            return None
        name = value.strip().removeprefix("@")
        if not TELEGRAM_USERNAME.match(name):
            raise ValueError("must be the bot's username: 5-32 letters, digits or _, e.g. xa_bot")
        return name

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_allows(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters: letters, digits, _ and - only")
        return value

    @field_validator("token")
    @classmethod
    def _not_empty(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("is empty: set the token from @BotFather, or leave it out")
        return value


class ZaloSettings(Section):
    """The Zalo Bot Platform channel (a bot made in Zalo Bot Creator)."""

    token: SecretStr | None = None
    base_url: str = "https://bot-api.zaloplatforms.com"
    # With it and [web] public_url, `dvcbot serve` receives Zalo events by webhook.
    webhook_secret: SecretStr | None = None
    # Outbound messages a month on the bot's plan (the free plan is reported as 3,000).
    monthly_quota: int = Field(default=3000, ge=1)
    # The link that opens a chat with the bot (https://zalo.me/<bot id>), for poster QR codes.
    chat_link: str | None = None

    @field_validator("chat_link")
    @classmethod
    def _chat_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be the bot's https:// link, e.g. https://zalo.me/<bot id>")
        return value.rstrip("/") if value else value

    @field_validator("webhook_secret")
    @classmethod
    def _zalo_allows(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not ZALO_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 8-256 characters: letters, digits, _ and - only")
        return value

    @field_validator("token")
    @classmethod
    def _token_not_empty(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("is empty: set the token Zalo Bot Creator sent you, or leave it out")
        return value


class WebSettings(Section):
    """`dvcbot serve`: the web side (webhooks, links to pictures and files, health, metrics)."""

    # The address people and messengers reach, behind the commune's reverse proxy (https).
    public_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=32)
    link_hours: int = Field(default=72, ge=1, le=720)  # how long a picture or file link works
    metrics_token: SecretStr | None = None  # when set, /metrics wants "Authorization: Bearer …"
    max_body_bytes: int = Field(default=1_000_000, ge=10_000, le=50_000_000)

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local test)")
        return value.rstrip("/") if value else value


class DatabaseSettings(Section):
    url: str = "sqlite+aiosqlite:///./dvcbot.db"
    echo: bool = False
    # PostgreSQL connections each process keeps open; an update finds them all busy waits for
    # one. With N `serve` workers the server must accept N x pool_size connections and a few.
    pool_size: int = Field(default=15, ge=1, le=500)

    @field_validator("url")
    @classmethod
    def _supported_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value


class CommuneSettings(Section):
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


class ContentSettings(Section):
    guides_dir: Path | None = None
    cache_dir: Path = Path("cache")


class ShiftSettings(Section):
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


class HandoffSettings(Section):
    """Help requests nobody takes: officers told after a while, a written question at day end."""

    escalate_after_minutes: int = Field(default=30, ge=1, le=1440)
    # The desk's day ends with its last shift; on a working day without shifts, at this time.
    desk_closes_at: time = time(17, 0)


class BotSettings(Section):
    demo_data: bool = True
    log_level: str = "INFO"
    max_text_length: int = Field(default=2000, ge=100)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in LOG_LEVELS:
            hint = did_you_mean(level, {name: name for name in LOG_LEVELS})
            raise ValueError(f"{value!r} is not one of {', '.join(LOG_LEVELS)}{hint}")
        return level


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ReportsSettings(Section):
    """Targets for officials' reports and when the pushed reports go out (commune time)."""

    coverage_target: float = Field(default=80, ge=0, le=100)
    kpi_submitted_online: float = Field(default=70, ge=0, le=100)
    kpi_papers_digitised: float = Field(default=90, ge=0, le=100)
    kpi_paid_online: float = Field(default=40, ge=0, le=100)
    kpi_household_coverage: float = Field(default=100, ge=0, le=100)
    register_complete_pct: float = Field(default=90, ge=0, le=100)
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
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid"
    )
    toml_path: ClassVar[Path | None] = None

    bot: BotSettings = BotSettings()
    commune: CommuneSettings = CommuneSettings()
    content: ContentSettings = ContentSettings()
    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    web: WebSettings = WebSettings()
    zalo: ZaloSettings = ZaloSettings()
    reports: ReportsSettings = ReportsSettings()
    shifts: ShiftSettings = ShiftSettings()
    handoff: HandoffSettings = HandoffSettings()

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
            written = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Tệp cấu hình {path} sai cú pháp TOML: {exc}") from exc
        _refuse_unknown_keys(written, path)
    _refuse_unknown_variables(os.environ)
    settings_cls = type("FileSettings", (Settings,), {"toml_path": path})
    try:
        settings = settings_cls()
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from exc
    assert isinstance(settings, Settings)
    return settings


def known_keys() -> dict[str, tuple[str, ...]]:
    """Every section and the keys it has, as config.example.toml documents them."""
    sections: dict[str, tuple[str, ...]] = {}
    for name, field in Settings.model_fields.items():
        model = field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        sections[name] = tuple(model.model_fields)
    return sections


def _dotted_keys() -> list[str]:
    return [f"{section}.{key}" for section, keys in known_keys().items() for key in keys]


def _refuse_unknown_keys(written: Mapping[str, Any], path: Path) -> None:
    """A misspelt key would silently keep its default (a typo in [database] means SQLite)."""
    sections = known_keys()
    for section, values in written.items():
        if section not in sections:
            raise ConfigError(_unknown_key(section, path))
        if isinstance(values, Mapping):
            for key in values:
                if key not in sections[section]:
                    raise ConfigError(_unknown_key(f"{section}.{key}", path))


def _unknown_key(key: str, path: Path) -> str:
    names = [*known_keys(), *_dotted_keys()]
    hint = did_you_mean(key, {name: name for name in names})
    if not hint:  # a right key in the wrong place, e.g. log_level outside [bot]
        by_name = {dotted.rsplit(".", 1)[1]: dotted for dotted in _dotted_keys()}
        hint = did_you_mean(key.rsplit(".", 1)[-1], by_name)
    return f"Unknown config key {key!r} in {path}{hint}"


def _env_names() -> list[str]:
    return [ENV_PREFIX + dotted.replace(".", "__").upper() for dotted in _dotted_keys()]


def _refuse_unknown_variables(environ: Mapping[str, str]) -> None:
    """DVCBOT_<SECTION>__<KEY> must name a known key; DVCBOT_TELEGRAM_TOKEN (one "_") is a typo.

    Other DVCBOT_* variables (DVCBOT_CONFIG, a test's DVCBOT_TEST_POSTGRES_URL) are not
    settings and are left alone.
    """
    sections = [section.upper() for section in known_keys()]
    known = _env_names()
    for name in environ:
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known:
            continue
        rest = upper.removeprefix(ENV_PREFIX)
        if rest in sections:  # a whole section as JSON; pydantic checks its keys
            continue
        if "__" in rest or any(rest.startswith(f"{section}_") for section in sections):
            hint = did_you_mean(rest, {name.removeprefix(ENV_PREFIX): name for name in known})
            raise ConfigError(f"Unknown environment variable {name}{hint}")


def _env_variable(loc: tuple[int | str, ...]) -> str | None:
    """The environment variable a bad value came from, if it was set there."""
    present = {name.upper(): name for name in os.environ}
    for length in range(len(loc), 0, -1):
        name = ENV_PREFIX + "__".join(str(part) for part in loc[:length]).upper()
        if name in present:
            return present[name]
    return None


def _describe(exc: ValidationError, path: Path | None) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"]) or "?"
    message = error["msg"].removeprefix("Value error, ")
    variable = _env_variable(error["loc"])
    if variable is not None:
        return f"Invalid environment variable {variable} (config key '{key}'): {message}"
    source = f" in {path}" if path else ""
    env_name = ENV_PREFIX + "__".join(str(part) for part in error["loc"]).upper()
    return f"Invalid config key '{key}'{source} (or ${env_name}): {message}"

"""Typed button payloads: a feature declares each action once; the core packs and parses it.

An action is a small frozen dataclass with a fixed prefix and typed fields, written on the wire
as "prefix:field:field" (at most 64 bytes, Telegram's limit for callback data):

    class TakeStandIn(Action, prefix="st"):
        request: int

    TakeStandIn(request=7).button("Tôi trực thay")   # Choice("Tôi trực thay", "st:7")

A prefix may hold a fixed verb ("ho:take"); the registry matches the longest declared prefix.
Fields may be int, str, bool, date (ISO, or CompactDate as yyyymmdd), a StrEnum, a Literal of
strings, or one of these or None with a default; fields with defaults may be left off the end.
A payload is user input: parsing refuses anything malformed with BadPayload, and the
dispatcher answers it politely.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal, Self, cast, dataclass_transform

from bot.core.messages import MAX_PAYLOAD_BYTES, Choice
from bot.locales import t

SEPARATOR = ":"
PREFIX = re.compile(r"^[a-z][a-z0-9_]*(?::[a-z][a-z0-9_]*)*$")
MAX_ID = 2**53  # ids beyond this are not ours (and lose precision in JSON)


@dataclasses.dataclass(frozen=True)
class DateFormat:
    pattern: str


CompactDate = Annotated[date, DateFormat("%Y%m%d")]
ISO_DATE = DateFormat("%Y-%m-%d")


class BadPayload(ValueError):
    """A button payload that does not parse as the action it claims to be."""


Encode = Callable[[Any], str]
Decode = Callable[[str], Any]


@dataclasses.dataclass(frozen=True)
class _Codec:
    name: str
    encode: Encode
    decode: Decode
    optional: bool


@dataclass_transform()
class Action:
    """The meaning of a button; subclasses declare `prefix=` and their typed fields."""

    prefix: ClassVar[str]
    _codecs: ClassVar[tuple[_Codec, ...] | None]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not PREFIX.match(prefix):
            raise ValueError(f"action prefix must be lower-case words joined by ':': {prefix!r}")
        cls.prefix = prefix
        cls._codecs = None  # resolved at first use, when every annotation can be evaluated
        dataclasses.dataclass(frozen=True)(cls)

    def pack(self) -> str:
        """The payload: prefix, then each field; trailing fields left at None are omitted."""
        parts = [self.prefix]
        values = [(codec, getattr(self, codec.name)) for codec in self.codecs()]
        while values and values[-1][1] is None and values[-1][0].optional:
            values.pop()
        for codec, value in values:
            if value is None:
                raise ValueError(f"{type(self).__name__}.{codec.name} is None before a value")
            text = codec.encode(value)
            if not text or SEPARATOR in text:
                raise ValueError(f"{type(self).__name__}.{codec.name} cannot be packed: {text!r}")
            parts.append(text)
        payload = SEPARATOR.join(parts)
        if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload longer than {MAX_PAYLOAD_BYTES} bytes: {payload!r}")
        return payload

    def button(self, label: str) -> Choice:
        """A button (or numbered option) that performs this action."""
        return Choice(label, self.pack())

    @classmethod
    def unpack(cls, parts: Sequence[str]) -> Self:
        """The action from the payload parts after its prefix; BadPayload if malformed.

        Parts beyond the declared fields are ignored, as older buttons may carry more."""
        codecs = cls.codecs()
        values: dict[str, Any] = {}
        for index, codec in enumerate(codecs):
            if index < len(parts):
                try:
                    values[codec.name] = codec.decode(parts[index])
                except (ValueError, KeyError) as problem:
                    raise BadPayload(f"{cls.prefix}: bad {codec.name}") from problem
            elif not _has_default(cls, codec.name):
                raise BadPayload(f"{cls.prefix}: {codec.name} missing")
        return cls(**values)

    @classmethod
    def codecs(cls) -> tuple[_Codec, ...]:
        if cls._codecs is None:
            hints = typing.get_type_hints(cls, include_extras=True)
            cls._codecs = tuple(
                _codec_for(field.name, hints[field.name])
                for field in dataclasses.fields(cast(Any, cls))
            )
        return cls._codecs


def _has_default(cls: type[Action], name: str) -> bool:
    field = next(f for f in dataclasses.fields(cast(Any, cls)) if f.name == name)
    return (
        field.default is not dataclasses.MISSING
        or field.default_factory is not dataclasses.MISSING
    )


def _codec_for(name: str, annotation: Any) -> _Codec:
    optional = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) != 1:
            raise TypeError(f"action field {name}: only `X | None` unions are supported")
        annotation, optional = members[0], True
    encode, decode = _converters(name, annotation)
    return _Codec(name, encode, decode, optional)


def _converters(name: str, annotation: Any) -> tuple[Encode, Decode]:
    if typing.get_origin(annotation) is Annotated:
        base, *extras = typing.get_args(annotation)
        formats = [extra for extra in extras if isinstance(extra, DateFormat)]
        if base is date and formats:
            return _date_converters(formats[0])
        annotation = base
    if annotation is date:
        return _date_converters(ISO_DATE)
    if annotation is bool:
        return (lambda value: "1" if value else "0"), _decode_bool
    if annotation is int:
        return str, _decode_int
    if annotation is str:
        return str, _decode_str
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        enum = annotation
        return (lambda value: str(value.value)), (lambda text: enum(text))
    if typing.get_origin(annotation) is Literal:
        allowed = frozenset(str(arg) for arg in typing.get_args(annotation))
        return str, lambda text: _one_of(text, allowed)
    raise TypeError(f"action field {name}: unsupported type {annotation!r}")


def _decode_bool(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(text)
    return text == "1"


def _decode_int(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 16 or int(text) >= MAX_ID:
        raise ValueError(text)
    return int(text)


def _decode_str(text: str) -> str:
    if not text:
        raise ValueError("empty")
    return text


def _date_converters(fmt: DateFormat) -> tuple[Encode, Decode]:
    def decode(text: str) -> date:
        day = datetime.strptime(text, fmt.pattern).date()
        if day.strftime(fmt.pattern) != text:  # strptime also takes "2026-1-2"
            raise ValueError(text)
        return day

    return (lambda value: value.strftime(fmt.pattern)), decode


def _one_of(text: str, allowed: frozenset[str]) -> str:
    if text not in allowed:
        raise ValueError(text)
    return text


class MainMenu(Action, prefix="menu"):
    """Back to the main menu: the way out offered with every polite refusal."""


def menu_choice() -> Choice:
    """The button back to the main menu."""
    return MainMenu().button(t("menu.main"))

"""Short messages that are not questions: greetings, thanks, and a guide's buttons typed.

The words live in bot/content/language.toml ([small_talk], [guide_words], [chat_fillers]).
A message has a meaning here only when all of it is made of those words, after the same
abbreviations and folding as questions ("cam on nha", "ko lam dc"), so a greeting followed by
a question is still a question.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from bot.services.guides.language import LANGUAGE_FILE, Language, Phrase, PhraseTable, phrase


class SmallTalk(StrEnum):
    """What a message made only of pleasantries is."""

    GREETING = "greeting"
    THANKS = "thanks"
    ACK = "ack"


class GuideWord(StrEnum):
    """A guide's button, typed."""

    NEXT = "next"
    BACK = "back"
    DONE = "done"
    STUCK = "stuck"


# Several pleasantries in one message: the one to answer.
SMALL_TALK_ORDER = (SmallTalk.THANKS, SmallTalk.GREETING, SmallTalk.ACK)
FILLER = "filler"


@dataclass(frozen=True)
class _Words:
    """Folded phrases, each with the kind of word it is (or FILLER), found longest first."""

    kinds: dict[Phrase, str]
    phrases: PhraseTable

    @classmethod
    def of(cls, kinds: Mapping[Any, Sequence[str]], fillers: Sequence[str]) -> _Words:
        table = {phrase(word): FILLER for word in fillers}
        for kind, words in kinds.items():
            table.update({phrase(word): str(kind) for word in words})
        table.pop((), None)
        return cls(table, PhraseTable(table))  # built once: every free-text message asks


class ChatWords:
    """Finds greetings, thanks and typed guide buttons in whole short messages."""

    def __init__(
        self,
        language: Language,
        small_talk: Mapping[SmallTalk, Sequence[str]],
        guide_words: Mapping[GuideWord, Sequence[str]],
        fillers: Sequence[str],
    ) -> None:
        self._language = language
        self._small_talk = _Words.of(small_talk, fillers)
        self._guide_words = _Words.of(guide_words, fillers)

    @classmethod
    def load(cls, path: Path = LANGUAGE_FILE) -> ChatWords:
        """Read the words from a language file."""
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
        return cls(
            Language.load(path),
            {kind: data.get("small_talk", {}).get(kind.value, []) for kind in SmallTalk},
            {kind: data.get("guide_words", {}).get(kind.value, []) for kind in GuideWord},
            data.get("chat_fillers", {}).get("words", []),
        )

    def small_talk(self, text: str) -> SmallTalk | None:
        """Greeting, thanks or a plain "ok", when that is all the message says."""
        kinds = self._kinds(text, self._small_talk)
        return next((kind for kind in SMALL_TALK_ORDER if kind.value in kinds), None)

    def guide_word(self, text: str) -> GuideWord | None:
        """The guide button the message names, when that is all it says."""
        kinds = self._kinds(text, self._guide_words)
        if kinds == {GuideWord.DONE.value, GuideWord.NEXT.value}:  # "xong, tiếp"
            return GuideWord.NEXT
        return GuideWord(kinds.pop()) if len(kinds) == 1 else None

    def _kinds(self, text: str, words: _Words) -> set[str]:
        """The kinds of words the message is made of, or none if anything else is in it."""
        syllables = self._language.syllables(text)
        spans = words.phrases.spans(syllables)
        if sum(end - start for start, end in spans) != len(syllables):
            return set()
        kinds = {words.kinds[tuple(syllables[start:end])] for start, end in spans}
        kinds.discard(FILLER)
        return kinds


@cache
def chat_words() -> ChatWords:
    """The words of the shipped language file, read once."""
    return ChatWords.load()

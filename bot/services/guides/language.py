"""The matcher's language data (language.toml): folded phrases, abbreviations, stopwords.

Kept apart from matching.py, which needs numpy and the BM25 index: chat words and the console
read this at start, the matcher is built on the first question.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.vntext import fold

LANGUAGE_FILE = Path(__file__).resolve().parents[2] / "content" / "language.toml"

# Marks a syllable of a topic no guide covers; folded text never contains it.
OUTSIDE_MARK = "#"

Phrase = tuple[str, ...]


class PhraseTable:
    """Folded phrases of whole syllables, found left to right, longest first."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self.phrases = frozenset(phrase for phrase in phrases if phrase)
        sizes: dict[str, set[int]] = {}
        for phrase in self.phrases:
            sizes.setdefault(phrase[0], set()).add(len(phrase))
        # Per first syllable, the lengths of its phrases, longest first: only those are tried.
        self._sizes = {first: sorted(found, reverse=True) for first, found in sizes.items()}

    def spans(self, syllables: Sequence[str]) -> list[tuple[int, int]]:
        """Non-overlapping (start, end) spans of the table's phrases in the syllables."""
        spans: list[tuple[int, int]] = []
        start = 0
        while start < len(syllables):
            for size in self._sizes.get(syllables[start], ()):
                end = start + size
                if end <= len(syllables) and tuple(syllables[start:end]) in self.phrases:
                    spans.append((start, end))
                    start = end
                    break
            else:
                start += 1
        return spans

    def mask(self, syllables: Sequence[str]) -> list[bool]:
        """True for each syllable inside one of the table's phrases."""
        mask = [False] * len(syllables)
        for start, end in self.spans(syllables):
            mask[start:end] = [True] * (end - start)
        return mask


class Language:
    """Abbreviations, stopwords and generic words of language.toml, folded."""

    def __init__(
        self,
        replacements: Mapping[Phrase, Phrase],
        stopwords: Iterable[Phrase],
        generic: Iterable[Phrase],
        topical: Iterable[Phrase] = (),
        outside: Iterable[Phrase] = (),
    ) -> None:
        self.replacements = dict(replacements)
        self._replaceable = PhraseTable(self.replacements)
        self.stopwords = PhraseTable(stopwords)
        self.generic = PhraseTable(generic)
        self.topical = PhraseTable(topical)
        self.outside = PhraseTable(outside)
        self.stop_syllables = frozenset(s for phrase in self.stopwords.phrases for s in phrase)

    @classmethod
    def load(cls, path: Path = LANGUAGE_FILE) -> Language:
        """Read a language file (its format is documented at its top)."""
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
        replace: dict[str, str] = data.get("replace", {})
        stop_lists: dict[str, list[str]] = data.get("stopwords", {})

        def words(section: str) -> list[Phrase]:
            lists: dict[str, list[str]] = data.get(section, {})
            return [phrase(word) for words in lists.values() for word in words]

        return cls(
            {phrase(key): phrase(value) for key, value in replace.items()},
            (phrase(word) for words in stop_lists.values() for word in words),
            words("generic"),
            words("topical"),
            words("outside"),
        )

    def syllables(self, text: str) -> list[str]:
        """Folded syllables of the text with abbreviations and variants expanded."""
        syllables = fold(text).split()
        out: list[str] = []
        position = 0
        for start, end in self._replaceable.spans(syllables):
            out.extend(syllables[position:start])
            out.extend(self.replacements[tuple(syllables[start:end])])
            position = end
        out.extend(syllables[position:])
        return out

    def mark_outside(self, syllables: Sequence[str]) -> list[str]:
        """Syllables of topics no guide covers, marked so that no guide's word matches them
        ("nguội" of "phạt nguội" is not "người")."""
        marked = list(syllables)
        for start, end in self.outside.spans(syllables):
            marked[start:end] = [OUTSIDE_MARK + s for s in syllables[start:end]]
        return marked

    def generic_mask(self, syllables: Sequence[str]) -> list[bool]:
        """True for each syllable of a generic word that is not part of a telling phrase."""
        telling = self.topical.mask(syllables)
        return [g and not t for g, t in zip(self.generic.mask(syllables), telling, strict=True)]

    def stop_kinds(self, syllables: Sequence[str]) -> list[int]:
        """0 for a content syllable, 1 for a one-syllable stopword, 2 in a longer stop phrase."""
        kinds = [0] * len(syllables)
        for start, end in self.stopwords.spans(syllables):
            kinds[start:end] = [1 if end - start == 1 else 2] * (end - start)
        return kinds


def phrase(text: str) -> Phrase:
    """A word or phrase as the matcher compares it: folded syllables."""
    return tuple(fold(text).split())

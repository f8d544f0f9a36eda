"""Match a citizen's free-text question to a guide, or to none when it is out of scope.

Questions and aliases go through the same pipeline: `fold()`, the abbreviations and spelling
variants of language.toml, then syllables. Once accents are gone a lone syllable is ambiguous
("ho" is hộ, hồ or họ), but Vietnamese words are mostly two syllables, so syllable bigrams carry
most of the meaning. Unknown syllables are repaired against the guides' vocabulary with
rapidfuzz (OSA edit distance, which counts two swapped letters as one edit); a repair is kept
only when it forms a known bigram with a neighbour, and words typed together are split.

Three signals are combined for each guide:

* coverage: the IDF-weighted share of the question's content syllables that the guide's title
  and aliases explain, full credit inside a known bigram, partial credit for a lone syllable.
  It is an absolute 0-1 measure, so it also decides out of scope, together with the rule that
  some topical (not generic, not stop) word of the question must be matched as a phrase;
* BM25 (rank-bm25) over syllables and bigrams of each guide's title, aliases and summary, to
  rank guides that cover the question equally well by how central its terms are to each.
  Chosen over scikit-learn's TfidfVectorizer because it needs only numpy (importing
  scikit-learn alone takes about 2 s on our 2-core machines) and its saturating term frequency
  suits documents made of many near-duplicate aliases;
* rapidfuzz's token-sort ratio between the question and each alias, which rewards a question
  phrased like a known alias.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi  # type: ignore[import-untyped]
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.content.catalog import Catalog, Guide
from bot.services.guides.language import LANGUAGE_FILE, Language

Bigram = tuple[str, str]
Vector = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]

# A lone syllable matches many unrelated words once accents are stripped, so it earns less.
LONE_CREDIT = 0.5
# The summary is prose written for reading, not a list of the ways people ask.
SUMMARY_CREDIT = 0.6
# A repaired syllable is a guess, even when it forms a known bigram with a neighbour.
REPAIRED_CREDIT = 0.9
MIN_REPAIR_LENGTH = 2
# Common actions and papers ("đăng ký", "giấy tờ") say little about which guide is meant.
GENERIC_WEIGHT = 0.4
# An unknown word is worth this share of the rarest known word: it says "something else".
UNKNOWN_WEIGHT_SHARE = 0.6
# A stopword syllable found next to the same content syllable this often (share of the
# stopword's occurrences, or of the content syllable's) forms a word with it.
STOPWORD_ASSOCIATION = 0.2
CONTENT_ASSOCIATION = 0.6
MIN_ASSOCIATED = 2
# A syllable this rare (in at most two guides) is telling even on its own.
SPECIFIC_IDF = 1.9
# Three generic syllables forming one known phrase ("đổi số điện thoại") name a topic after all.
MIN_GENERIC_RUN = 3

# Content words a question needs before being worded exactly like an alias anchors it.
MIN_EXACT_WORDS = 2

WEIGHT_COVERAGE = 0.6
WEIGHT_BM25 = 0.2
WEIGHT_FUZZY = 0.2

MIN_COVERAGE = 0.3
MIN_SCORE = 0.4
ALTERNATIVE_RATIO = 0.75
ALTERNATIVE_MIN_COVERAGE = 0.3
# A question whose only word is found in half the guides ("gia") is too vague to offer choices.
MIN_VAGUE_WEIGHT = 0.5
MAX_ALTERNATIVES = 3

_SENTENCE_BREAK = re.compile(r"[.;:!?()]")


@dataclass(frozen=True)
class Match:
    """The guide chosen for a question, or None, with runners-up."""

    guide_id: str | None
    score: float
    alternatives: tuple[str, ...]


def _term(bigram: Bigram) -> str:
    return f"{bigram[0]} {bigram[1]}"


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def _is_typing_slip(typed: str, word: str) -> bool:
    """One letter missing, added, or two neighbours swapped; not a different letter."""
    return len(typed) != len(word) or sorted(typed) == sorted(word)


def _word_bigrams(sequences: Iterable[Sequence[str]], language: Language) -> set[Bigram]:
    """Bigrams that act as words: two content syllables, or a stopword tied to its neighbour."""
    words: set[Bigram] = set()
    seen: Counter[tuple[str, int]] = Counter()
    beside: Counter[tuple[Bigram, str, str]] = Counter()
    for syllables in sequences:
        kinds = language.stop_kinds(syllables)
        seen.update(zip(syllables, kinds, strict=True))
        for i, pair in enumerate(itertools.pairwise(syllables)):
            if kinds[i] == kinds[i + 1] == 0:
                words.add(pair)
            elif kinds[i] + kinds[i + 1] == 1:
                stop, content = pair if kinds[i] else pair[::-1]
                beside[pair, stop, content] += 1
    # "căn cước" folds to the stopword "can" + "cuoc", "làm việc" to "lam" + "viec": "can" is
    # mostly found before "cuoc" and "viec" mostly after "lam", whereas "cho con" is neither.
    for (pair, stop, content), together in beside.items():
        if together >= MIN_ASSOCIATED and (
            together >= STOPWORD_ASSOCIATION * seen[stop, 1]
            or together >= CONTENT_ASSOCIATION * seen[content, 0]
        ):
            words.add(pair)
    return words


@dataclass(frozen=True)
class _Question:
    """A question after rewriting and repair, with what each syllable is worth."""

    syllables: list[str]
    weights: Vector
    trust: Vector
    topical: Flags
    text: str


class GuideMatcher:
    """Ranks the catalog's guides for a question; build once, then call match() per question."""

    def __init__(self, guides: Sequence[Guide], language: Language) -> None:
        self._ids = [guide.id for guide in guides]
        self._language = language
        core = [[language.syllables(t) for t in (g.title, *g.aliases)] for g in guides]
        summary = [
            [language.syllables(t) for t in _SENTENCE_BREAK.split(g.summary)] for g in guides
        ]
        self._build_vocabulary(core, summary)
        if guides:
            self._build_bm25(core, summary)
        # Each alias's content words sorted once: token_sort_ratio is the ratio of the sorted
        # words, and sorting 800 aliases anew for every question took most of its time.
        self._alias_texts: list[str] = []
        owners: list[int] = []
        for index, sequences in enumerate(core):
            for syllables in sequences:
                if text := self._content_text(syllables):
                    self._alias_texts.append(_sorted_words(text))
                    owners.append(index)
        # Aliases come guide by guide: each guide's best ratio is a maximum over one slice.
        self._alias_guides, self._alias_starts = np.unique(owners, return_index=True)

    @classmethod
    def from_catalog(cls, catalog: Catalog, language_file: Path = LANGUAGE_FILE) -> GuideMatcher:
        """Build the indexes for every guide of the catalog."""
        return cls(list(catalog.guides.values()), Language.load(language_file))

    def match(self, question: str) -> Match:
        """The best guide for the question, or None when nothing covered is asked."""
        if not self._ids:
            return Match(None, 0.0, ())
        parsed = self._parse(question)
        total = float(parsed.weights.sum())
        if total <= 0.0:
            return Match(None, 0.0, ())
        credits = self._credits(parsed)
        coverage: Vector = (parsed.weights @ credits) / total
        fuzzy = self._fuzzy(parsed)
        # A question worded exactly like one of a guide's aliases names it, generic words or not
        # ("nộp giấy tờ trên mạng"); a single word ("vneid") is too short to tell.
        exact: Flags = (fuzzy >= 1.0) & (len(parsed.text.split()) >= MIN_EXACT_WORDS)
        anchored = self._anchored(parsed, credits) | exact
        score: Vector = (
            WEIGHT_COVERAGE * coverage
            + WEIGHT_BM25 * self._bm25_relative(parsed)
            + WEIGHT_FUZZY * fuzzy
        )
        order = [int(index) for index in np.argsort(-score, kind="stable")]
        top = order[0]
        confidence = round(min(1.0, float(score[top])), 3)
        plausible = anchored & (coverage >= ALTERNATIVE_MIN_COVERAGE)
        if not anchored[top] or coverage[top] < MIN_COVERAGE or score[top] < MIN_SCORE:
            if total >= MIN_VAGUE_WEIGHT:
                plausible = plausible | self._explains_all(parsed, credits)
            close = [self._ids[i] for i in order if plausible[i]]
            return Match(None, confidence, tuple(close[:MAX_ALTERNATIVES]))
        near = plausible & (score >= ALTERNATIVE_RATIO * score[top])
        others = [self._ids[i] for i in order[1:] if near[i]]
        return Match(self._ids[top], confidence, tuple(others[:MAX_ALTERNATIVES]))

    def _build_bm25(self, core: list[list[list[str]]], summary: list[list[list[str]]]) -> None:
        documents: list[list[str]] = []
        for sequences in (c + s for c, s in zip(core, summary, strict=True)):
            document: list[str] = []
            for syllables in sequences:
                document.extend(syllables)
                document.extend(_term(pair) for pair in itertools.pairwise(syllables))
            documents.append(document)
        self._bm25 = BM25Okapi(documents)
        self._idf: dict[str, float] = {term: float(idf) for term, idf in self._bm25.idf.items()}
        self._unknown_weight = UNKNOWN_WEIGHT_SHARE * max(self._idf.values())
        self._term_scores: dict[str, Vector] = {}  # filled as questions use the terms

    def _build_vocabulary(
        self, core: list[list[list[str]]], summary: list[list[list[str]]]
    ) -> None:
        count = len(self._ids)
        words = _word_bigrams(itertools.chain(*core, *summary), self._language)
        self._lone: dict[str, Vector] = {}
        self._paired: dict[Bigram, Vector] = {}
        self._frequency: Counter[str] = Counter()
        for index in range(count):
            credited = [(s, SUMMARY_CREDIT) for s in summary[index]]
            credited += [(s, 1.0) for s in core[index]]
            for syllables, credit in credited:
                self._frequency.update(syllables)
                for syllable in syllables:
                    lone = self._lone.setdefault(syllable, np.zeros(count))
                    lone[index] = max(lone[index], LONE_CREDIT * credit)
                for pair in words.intersection(itertools.pairwise(syllables)):
                    paired = self._paired.setdefault(pair, np.zeros(count))
                    paired[index] = max(paired[index], credit)
            for syllables in core[index]:
                if len(syllables) == 1:
                    self._lone[syllables[0]][index] = 1.0
        self._vocabulary = sorted(self._lone)
        self._zero: Vector = np.zeros(count)

    def _content_text(self, syllables: Sequence[str]) -> str:
        kinds = self._language.stop_kinds(syllables)
        return " ".join(s for s, kind in zip(syllables, kinds, strict=True) if not kind)

    def _parse(self, question: str) -> _Question:
        language = self._language
        syllables, trust = self._repair(language.mark_outside(language.syllables(question)))
        kinds = language.stop_kinds(syllables)
        generic = language.generic_mask(syllables)
        content = [not kind and not s.isdigit() for s, kind in zip(syllables, kinds, strict=True)]
        weights = np.zeros(len(syllables))
        for position, syllable in enumerate(syllables):
            if content[position]:
                weight = self._idf.get(syllable, self._unknown_weight)
                for _, pair in self._pairs_at(syllables, position):
                    if pair in self._paired:
                        weight = max(weight, self._idf.get(_term(pair), 0.0))
                weights[position] = weight * (GENERIC_WEIGHT if generic[position] else 1.0)
        topical = np.array(content, dtype=bool) & ~np.array(generic, dtype=bool)
        text = " ".join(s for s, kind in zip(syllables, kinds, strict=True) if not kind)
        return _Question(syllables, weights, np.array(trust), topical, text)

    @staticmethod
    def _pairs_at(syllables: Sequence[str], position: int) -> list[tuple[int, Bigram]]:
        """The bigrams a syllable is part of, each with the neighbour's position."""
        pairs: list[tuple[int, Bigram]] = []
        if position > 0:
            pairs.append((position - 1, (syllables[position - 1], syllables[position])))
        if position + 1 < len(syllables):
            pairs.append((position + 1, (syllables[position], syllables[position + 1])))
        return pairs

    def _repair(self, syllables: list[str]) -> tuple[list[str], list[float]]:
        """Split run-together words and fix mistyped syllables; how far to trust each."""
        out: list[str] = []
        trust: list[float] = []
        for position, syllable in enumerate(syllables):
            known = syllable in self._lone or syllable in self._language.stop_syllables
            if known or syllable.isdigit():
                out.append(syllable)
                trust.append(1.0)
            elif split := self._split(syllable):
                out.extend(split)
                trust.extend([REPAIRED_CREDIT, REPAIRED_CREDIT])
            else:
                following = syllables[position + 1] if position + 1 < len(syllables) else ""
                fixed = self._fix(syllable, out[-1] if out else "", following)
                out.append(fixed or syllable)
                trust.append(REPAIRED_CREDIT if fixed else 1.0)
        return out, trust

    def _split(self, syllable: str) -> list[str] | None:
        for cut in range(1, len(syllable)):
            pair = (syllable[:cut], syllable[cut:])
            if pair in self._paired:
                return list(pair)
        return None

    def _fix(self, syllable: str, previous: str, following: str) -> str | None:
        """The syllable one typing slip away that forms a known word with a neighbour."""
        if len(syllable) < MIN_REPAIR_LENGTH or not syllable.isalpha():
            return None
        candidates = process.extract(
            syllable, self._vocabulary, scorer=OSA.distance, score_cutoff=1, limit=None
        )
        confirmed = [
            word
            for word, _, _ in candidates
            if _is_typing_slip(syllable, word)
            and ((previous, word) in self._paired or (word, following) in self._paired)
        ]
        return max(confirmed, key=self._frequency.__getitem__, default=None)

    def _credits(self, question: _Question) -> Vector:
        """Per syllable and guide: how well that guide's vocabulary explains the syllable."""
        syllables = question.syllables
        credits = np.zeros((len(syllables), len(self._ids)))
        for position, syllable in enumerate(syllables):
            if question.weights[position] <= 0:
                continue
            best = self._lone.get(syllable, self._zero) * question.trust[position]
            for neighbour, pair in self._pairs_at(syllables, position):
                if pair in self._paired:
                    trust = min(question.trust[position], question.trust[neighbour])
                    best = np.maximum(best, self._paired[pair] * trust)
            credits[position] = best
        return credits

    def _anchored(self, question: _Question, credits: Vector) -> Flags:
        """Guides that explain a topical word as a phrase, two rare syllables or a long phrase."""
        topical = credits[question.topical]
        in_phrase: Flags = np.any(topical >= SUMMARY_CREDIT, axis=0)
        rare = np.array([self._idf.get(s, 0.0) >= SPECIFIC_IDF for s in question.syllables])
        lone_rare = (topical >= LONE_CREDIT * REPAIRED_CREDIT) & rare[question.topical][:, None]
        # Two rare syllables of the same guide, even apart ("bấm ... link"), point at it.
        alone: Flags = np.sum(lone_rare, axis=0) >= 2
        result: Flags = in_phrase | alone | self._long_phrase(question)
        return result

    def _long_phrase(self, question: _Question) -> Flags:
        """Guides that know a chain of three content syllables, generic or not."""
        syllables = question.syllables
        run = np.zeros(len(self._ids), dtype=np.int64)
        longest = run
        for position, syllable in enumerate(syllables):
            if position > 0:
                linked = self._paired.get((syllables[position - 1], syllable), self._zero)
                run = np.where(linked >= SUMMARY_CREDIT, run, 0)
            run = run + int(question.weights[position] > 0)
            longest = np.maximum(longest, run)
        result: Flags = longest >= MIN_GENERIC_RUN
        return result

    def _explains_all(self, question: _Question, credits: Vector) -> Flags:
        """Guides that explain every content syllable, at least one of them topical."""
        every: Flags = np.all(credits[question.weights > 0] > 0, axis=0)
        some_topical: Flags = np.any(credits[question.topical] > 0, axis=0)
        return every & some_topical

    def _bm25_relative(self, question: _Question) -> Vector:
        syllables, weights = question.syllables, question.weights
        terms = [s for s, weight in zip(syllables, weights, strict=True) if weight > 0]
        terms += [
            _term(pair)
            for i, pair in enumerate(itertools.pairwise(syllables))
            if weights[i] > 0 or weights[i + 1] > 0
        ]
        scores = np.zeros(len(self._ids))
        for term in terms:  # BM25 sums the terms' scores: each term's is computed once
            if term in self._idf:
                scores += self._scores_of(term)
        best = float(scores.max())
        return scores / best if best > 0 else scores

    def _scores_of(self, term: str) -> Vector:
        """Every guide's BM25 score for one term of the index (at most its vocabulary)."""
        scores = self._term_scores.get(term)
        if scores is None:
            scores = np.asarray(self._bm25.get_scores([term]), dtype=np.float64)
            self._term_scores[term] = scores
        return scores

    def _fuzzy(self, question: _Question) -> Vector:
        """Per guide, the best token_sort_ratio of the question against its aliases (0..1)."""
        best = np.zeros(len(self._ids))
        if self._alias_texts:
            ratios = process.cdist(
                [_sorted_words(question.text)], self._alias_texts, scorer=fuzz.ratio, workers=1
            )[0]
            best[self._alias_guides] = np.maximum.reduceat(ratios, self._alias_starts) / 100.0
        return best

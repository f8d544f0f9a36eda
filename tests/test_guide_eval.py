"""Matcher figures on questions written the way citizens type them.

tests/data/questions-eval.tsv was written before the matcher was tuned and is never tuned on:
it measures; tests/data/questions-extra.tsv is the tuning set and questions-dev.tsv the
development set of the content spec. Each test prints its figures (run with -s) and every miss.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.content.catalog import load_catalog
from bot.services.guides.matching import GuideMatcher

DATA = Path(__file__).resolve().parent / "data"
EVAL_SET = DATA / "questions-eval.tsv"
DEV_SET = DATA / "questions-dev.tsv"
# Measured 0.880 top-1 and 0.850 refusal on the evaluation set before tuning; 0.913 and 0.883
# after. The floors sit just under the figures after tuning, to catch a regression.
EVAL_MIN_ACCURACY = 0.9
EVAL_MIN_REFUSAL = 0.85
DEV_MIN_ACCURACY = 0.95


@pytest.fixture(scope="module")
def matcher() -> GuideMatcher:
    return GuideMatcher.from_catalog(load_catalog())


def read(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(row["question"].strip(), row["guide"].strip()) for row in rows]


def misses(matcher: GuideMatcher, rows: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(question, expected, got) for each question not answered with the expected guide."""
    found = []
    for question, expected in rows:
        got = matcher.match(question).guide_id or "none"
        if got != expected:
            found.append((question, expected, got))
    return found


def report(name: str, rows: list[tuple[str, str]], wrong: list[tuple[str, str, str]]) -> None:
    print(f"\n{name}: {len(rows) - len(wrong)}/{len(rows)} = {1 - len(wrong) / len(rows):.3f}")
    for question, expected, got in wrong:
        print(f"  {question!r}: expected {expected}, got {got}")


def test_evaluation_set_is_large_varied_and_apart_from_the_tuning_sets() -> None:
    rows = read(EVAL_SET)
    assert len(rows) >= 300
    guides = set(load_catalog().guides)
    assert {expected for _, expected in rows} == guides | {"none"}
    assert sum(1 for _, expected in rows if expected == "none") >= 40
    tuning = {question for question, _ in read(DATA / "questions-extra.tsv") + read(DEV_SET)}
    assert not tuning & {question for question, _ in rows}
    assert len({question for question, _ in rows}) == len(rows)


def test_top1_accuracy_on_the_evaluation_set(matcher: GuideMatcher) -> None:
    rows = read(EVAL_SET)
    wrong = misses(matcher, rows)
    report("evaluation set, top-1", rows, wrong)
    assert 1 - len(wrong) / len(rows) >= EVAL_MIN_ACCURACY


def test_out_of_scope_refusal_rate_on_the_evaluation_set(matcher: GuideMatcher) -> None:
    rows = [(question, expected) for question, expected in read(EVAL_SET) if expected == "none"]
    wrong = misses(matcher, rows)
    report("evaluation set, out-of-scope questions refused", rows, wrong)
    assert 1 - len(wrong) / len(rows) >= EVAL_MIN_REFUSAL


def test_top1_accuracy_on_the_development_set(matcher: GuideMatcher) -> None:
    rows = read(DEV_SET)
    wrong = misses(matcher, rows)
    report("development set, top-1", rows, wrong)
    assert 1 - len(wrong) / len(rows) >= DEV_MIN_ACCURACY

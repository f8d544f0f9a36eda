"""The question matcher: accuracy on the dev and tuning sets, accents, ambiguity, out of scope."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.content.catalog import load_catalog
from bot.services.guides.matching import LANGUAGE_FILE, GuideMatcher, Language, Match
from bot.vntext import strip_accents

DEV_SET = Path(__file__).resolve().parent / "data" / "questions-dev.tsv"
EXTRA_SET = Path(__file__).resolve().parent / "data" / "questions-extra.tsv"
DEV_MIN_ACCURACY = 0.9
EXTRA_MIN_ACCURACY = 0.95


@pytest.fixture(scope="module")
def matcher() -> GuideMatcher:
    return GuideMatcher.from_catalog(load_catalog())


def _read(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(row["question"].strip(), row["guide"].strip()) for row in rows]


def _accuracy(matcher: GuideMatcher, rows: list[tuple[str, str]], name: str) -> float:
    """Top-1 accuracy, where `none` is right only if no guide is picked; prints every miss."""
    misses: list[str] = []
    for question, expected in rows:
        got = matcher.match(question)
        if (got.guide_id or "none") != expected:
            misses.append(
                f"  {question!r}: expected {expected}, got {got.guide_id or 'none'}"
                f" ({got.score:.2f}, alternatives {list(got.alternatives)})"
            )
    accuracy = 1 - len(misses) / len(rows)
    print(f"\n{name}: {len(rows) - len(misses)}/{len(rows)} = {accuracy:.3f}")
    print("\n".join(misses))
    return accuracy


def test_dev_set_accuracy(matcher: GuideMatcher) -> None:
    assert _accuracy(matcher, _read(DEV_SET), "dev set") >= DEV_MIN_ACCURACY


def test_extra_set_accuracy(matcher: GuideMatcher) -> None:
    assert _accuracy(matcher, _read(EXTRA_SET), "extra set") >= EXTRA_MIN_ACCURACY


def test_extra_set_covers_every_guide() -> None:
    rows = _read(EXTRA_SET)
    counts = {guide: sum(1 for _, g in rows if g == guide) for guide in load_catalog().guides}
    assert min(counts.values()) >= 6, counts
    assert sum(1 for _, g in rows if g == "none") >= 25
    assert {g for _, g in rows} <= set(counts) | {"none"}


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Đăng ký khai sinh", "Dang ky khai sinh"),
        ("\u0110a\u0306ng ky\u0301 khai sinh", "Dang ky khai sinh"),  # sent decomposed (NFD)
        ("làm CCCD gắn chíp 😀", "lam CCCD gan chip 😀"),
        ("ca\u0301c ca\u20d7u", "cac cau"),  # a mark from outside Vietnamese's block goes too
        ("lam giay khai sinh", "lam giay khai sinh"),
    ],
)
def test_accents_come_off_whatever_the_keyboard_sent(typed: str, folded: str) -> None:
    assert strip_accents(typed) == folded


def test_same_answer_without_accents(matcher: GuideMatcher) -> None:
    accented = [q for q, _ in _read(EXTRA_SET) if strip_accents(q) != q]
    assert len(accented) > 50
    for question in accented:
        with_accents, without = matcher.match(question), matcher.match(strip_accents(question))
        assert with_accents == without, question
        assert matcher.match(question.upper()) == with_accents, question


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("dk ks cho bé nhà em", "birth-registration"),
        ("đk kh ở xã nào", "marriage-registration"),
        ("quen mk vneid thi lam sao", "forgot-password"),
        ("ko vao dc tk dvc", "dvc-account"),
        ("cccd cua me em het han roi", "id-card"),
        ("xin xn tthn", "marital-status"),
        ("nop hs onl ntn", "submit-online"),
        ("kahi sinh cho con", "birth-registration"),
        ("dnag ky tam tru", "residence-registration"),
        ("dang ky kethon", "marriage-registration"),
        ("lam cancuoc cho con", "id-card"),
        ("tra cuu thong tin liet sy", "martyr-info"),
        ("bị lừa mất tiền", "scam-safety"),
        ("mất điện thoại không vào được vneid", "forgot-password"),
        ("xác nhận tình trạng hôn nhân để kết hôn", "marital-status"),
        ("làm căn cước cho con", "id-card"),
        ("khai sinh online", "birth-registration"),
        ("nộp hồ sơ online", "submit-online"),
    ],
)
def test_abbreviations_typos_and_near_misses(
    matcher: GuideMatcher, question: str, expected: str
) -> None:
    assert matcher.match(question).guide_id == expected


def test_ambiguous_question_offers_alternatives(matcher: GuideMatcher) -> None:
    marriage = matcher.match("kết hôn")
    assert marriage.guide_id == "marriage-registration"
    assert "marital-status" in marriage.alternatives
    dossier = matcher.match("hồ sơ")
    assert dossier.guide_id is not None
    assert len(dossier.alternatives) >= 2


def test_too_vague_question_offers_choices_only(matcher: GuideMatcher) -> None:
    vague = matcher.match("vneid")
    assert vague.guide_id is None
    assert {"vneid-register", "forgot-password"} <= set(vague.alternatives)


@pytest.mark.parametrize(
    "question",
    [
        "alo",
        "cảm ơn",
        "cam on ban nhieu nha",
        "xin chào",
        "ok",
        "thời tiết ngày mai thế nào",
        "giá vàng hôm nay",
        "kết quả xổ số",
        "tối nay đội tuyển đá mấy giờ",
        "bạn mấy tuổi",
        "tra cứu phạt nguội",
        "",
        "???",
    ],
)
def test_out_of_scope_returns_none(matcher: GuideMatcher, question: str) -> None:
    assert matcher.match(question).guide_id is None


def test_match_shape(matcher: GuideMatcher) -> None:
    ids = set(load_catalog().guides)
    for question, _ in _read(EXTRA_SET):
        result = matcher.match(question)
        assert isinstance(result, Match)
        assert 0.0 <= result.score <= 1.0
        assert len(result.alternatives) <= 3
        assert result.guide_id not in result.alternatives
        assert len(set(result.alternatives)) == len(result.alternatives)
        assert {result.guide_id, *result.alternatives} - {None} <= ids


def test_language_file_expands_abbreviations() -> None:
    language = Language.load(LANGUAGE_FILE)
    assert language.syllables("Đk tk DVC") == ["dang", "ky", "tai", "khoan", "dich", "vu", "cong"]
    assert language.stop_kinds(["em", "can", "cuoc", "o", "dau"]) == [1, 1, 0, 2, 2]

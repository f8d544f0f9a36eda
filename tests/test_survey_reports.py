"""Survey figures in the reports: counts, averages, scores, per location and helper, comments
without names or phones; in /kpi, `dvcbot report kpi --json` and the monthly workbook."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import App
from bot.db.models import LocationKind, Role, Survey, Village
from bot.locales import t
from bot.services import places
from bot.services.reports.survey import average_of, shown
from tests.helpers import ChatUser
from tests.test_handoff import ask_for_person
from tests.test_households_flow import grant, make_villages, person_id, staff_user
from tests.test_kpi import add_shift
from tests.test_reports_cli import dvcbot, parsed
from tests.test_survey import NOW, at, citizen, log_help

DAY = date(2026, 11, 18)
TU_COMMENT = "Cô Tư hướng dẫn rất tận tình, cảm ơn! Số tôi 0912 345 678"
TU_COMMENT_KEPT = "Cô Tư hướng dẫn rất tận tình, cảm ơn! Số tôi [số đã ẩn]"
WAIT_COMMENT = "Chờ hơi lâu mới có người trả lời"
CITIZENS = (
    "Lê Thị Hoa",
    "Phạm Văn Bảo",
    "Ngô Thị Cúc",
    "Đỗ Văn Dũng",
    "Vũ Thị Em",
    "Bùi Văn Giang",
)


async def survey_id(app: App, user: ChatUser) -> int:
    pid = await person_id(app, user)
    async with app.sessionmaker() as session:
        found = await session.scalar(select(Survey.id).where(Survey.person_id == pid))
    assert found is not None
    return found


async def rate(user: ChatUser, score: int, comment: str | None = None) -> None:
    sid = await survey_id(user.app, user)
    await user.presses(f"sv:rate:{sid}:{score}")
    await (user.says(comment) if comment else user.presses("sv:note:comment:skip"))


async def build(app: App) -> dict[str, int]:
    """Ratings on 18/11/2026: Tư at the one-stop desk 5 (with a comment) and 4; Mai at An's
    cultural house 4, and "no thanks"; officer Hùng (off shift) closed a request, rated 3 with a
    comment; a desk-card rating of 2. Six asked, one declined."""
    at(app, NOW)
    an, binh = await make_villages(app, "Thôn An", "Thôn Bình")
    tu = await staff_user(app, "4001", Role.VOLUNTEER, name="Trần Văn Tư")
    mai = await staff_user(app, "4002", Role.VOLUNTEER, name="Tình nguyện Mai")
    hung = await staff_user(app, "4003", Role.OFFICER, name="Cán bộ Hùng")
    async with app.db.transaction() as session:
        commune = await places.get_commune(session)
        village_an = await session.get(Village, an)
        assert commune is not None and village_an is not None
        desk = await places.add_location(session, commune, "Bộ phận một cửa")
        house = await places.add_location(
            session,
            commune,
            "Nhà văn hóa thôn An",
            kind=LocationKind.CULTURAL_HOUSE,
            village=village_an,
        )
        desk_id, house_id = desk.id, house.id
    await add_shift(app, desk_id, DAY, {await person_id(app, tu): "served"})
    await add_shift(app, house_id, DAY, {await person_id(app, mai): "served"})
    people = []
    homes = (binh, binh, an, an)
    for index, (name, village) in enumerate(zip(CITIZENS[:4], homes, strict=True)):
        phone = f"09120000{index:02d}"
        people.append(await citizen(app, f"41{index:02d}", name, village, phone))
    for (_, home), helper in zip(people, (tu, tu, mai, mai), strict=True):
        await log_help(helper, home)
    await rate(people[0][0], 5, TU_COMMENT)
    await rate(people[1][0], 4)
    await rate(people[2][0], 4)
    await people[3][0].presses(f"sv:no:{await survey_id(app, people[3][0])}")
    asker = ChatUser(app, "4200", CITIZENS[4])
    await asker.says("/start")
    number = await ask_for_person(asker)
    await hung.presses(f"ho:take:{number}")
    await hung.presses(f"ho:done:{number}")
    await rate(asker, 3, WAIT_COMMENT)
    visitor = ChatUser(app, "4300", CITIZENS[5])
    await visitor.says("/start survey")
    await rate(visitor, 2)
    return {"an": an, "binh": binh}


SUMMARY = "5 lượt đánh giá, điểm trung bình 3,6/5 (đã hỏi 6 người, 1 người không muốn đánh giá)."
SECTION = [
    t("survey.report_title", first="01/11", last="30/11/2026"),
    SUMMARY,
    "Theo mức: 5★: 1 · 4★: 2 · 3★: 1 · 2★: 1 · 1★: 0",
    "Theo địa điểm:",
    "• Bộ phận một cửa: 2 lượt, trung bình 4,5/5",
    "• Nhà văn hóa thôn An: 1 lượt, trung bình 4,0/5",
    "• Không rõ địa điểm: 2 lượt, trung bình 2,5/5",
    "Theo người hỗ trợ:",
    "• Trần Văn Tư: 2 lượt, trung bình 4,5/5",
    "• Cán bộ Hùng: 1 lượt, trung bình 3,0/5",
    "• Tình nguyện Mai: 1 lượt, trung bình 4,0/5",
    "• Không gắn với người hỗ trợ: 1 lượt, trung bình 2,0/5",
    t("survey.report_comments"),
    f"• 18/11 · 5★ · Bộ phận một cửa: {TU_COMMENT_KEPT}",
    f"• 18/11 · 3★ · Không rõ địa điểm: {WAIT_COMMENT}",
]


def test_the_average_has_one_decimal_rounded_half_up() -> None:
    assert average_of(17, 4) == Decimal("4.3") and shown(average_of(17, 4)) == "4,3"
    assert average_of(18, 5) == Decimal("3.6") and shown(Decimal(4)) == "4,0"
    assert average_of(0, 0) is None and shown(None) == "—"


async def test_kpi_view_shows_the_survey_without_names_or_phones(app: App) -> None:
    villages = await build(app)
    official = await staff_user(app, "4900", Role.OFFICIAL, name="Hoàng Văn Bình")
    [kpi] = await official.says("/kpi")
    lines = kpi.text.splitlines()
    start = lines.index(SECTION[0])
    assert lines[start:] == SECTION
    for name in CITIZENS:
        assert name not in kpi.text
    assert "0912" not in kpi.text
    # An official of Thôn An sees only the help given in its villages.
    local = ChatUser(app, "4901", "Trưởng thôn An")
    await local.says("/start")
    await grant(app, "4901", Role.OFFICIAL, villages["an"])
    [scoped] = await local.says("/kpi 2026-11")
    tail = scoped.text.splitlines()[scoped.text.splitlines().index(SECTION[0]) :]
    assert tail == [
        SECTION[0],
        "1 lượt đánh giá, điểm trung bình 4,0/5 (đã hỏi 2 người, 1 người không muốn đánh giá).",
        "Theo mức: 5★: 0 · 4★: 1 · 3★: 0 · 2★: 0 · 1★: 0",
        "Theo địa điểm:",
        "• Nhà văn hóa thôn An: 1 lượt, trung bình 4,0/5",
        "Theo người hỗ trợ:",
        "• Tình nguyện Mai: 1 lượt, trung bình 4,0/5",
    ]
    # A month without ratings says so.
    [october] = await official.says("/kpi 2026-10")
    assert t("survey.report_none") in october.text
    assert "0 lượt đánh giá, điểm trung bình —/5 (đã hỏi 0 người" in october.text


async def test_kpi_json_on_the_command_line(app: App) -> None:
    await build(app)
    result = parsed(await dvcbot(app, "report", "kpi", "--month", "2026-11", "--json"))
    survey = result["survey"]
    assert (survey["first"], survey["last"]) == ("2026-11-01", "2026-11-30")
    assert (survey["asked"], survey["declined"], survey["ratings"]) == (6, 1, 5)
    assert survey["average"] == 3.6
    assert survey["distribution"] == {"5": 1, "4": 2, "3": 1, "2": 1, "1": 0}
    assert [(g["name"], g["count"], g["average"]) for g in survey["locations"]] == [
        ("Bộ phận một cửa", 2, 4.5),
        ("Nhà văn hóa thôn An", 1, 4.0),
        ("Không rõ địa điểm", 2, 2.5),
    ]
    assert [(g["name"], g["count"], g["average"]) for g in survey["helpers"]] == [
        ("Trần Văn Tư", 2, 4.5),
        ("Cán bộ Hùng", 1, 3.0),
        ("Tình nguyện Mai", 1, 4.0),
        ("Không gắn với người hỗ trợ", 1, 2.0),
    ]
    assert survey["comments"] == [
        {"day": "2026-11-18", "score": 5, "place": "Bộ phận một cửa", "text": TU_COMMENT_KEPT},
        {"day": "2026-11-18", "score": 3, "place": "Không rõ địa điểm", "text": WAIT_COMMENT},
    ]
    text = await dvcbot(app, "report", "kpi", "--month", "2026-11")
    assert text.exit_code == 0 and SUMMARY in text.stdout


def trimmed(row: tuple[object, ...]) -> tuple[object, ...]:
    values = list(row)
    while values and values[-1] is None:
        values.pop()
    return tuple(values)


async def test_the_workbook_has_the_survey_sheet(app: App) -> None:
    await build(app)
    official = await staff_user(app, "4900", Role.OFFICIAL, name="Hoàng Văn Bình")
    [excel] = await official.presses("rp:x")
    assert excel.document is not None
    workbook = load_workbook(io.BytesIO(excel.document.content))
    assert "Khảo sát hài lòng" in workbook.sheetnames
    rows = [trimmed(row) for row in workbook["Khảo sát hài lòng"].iter_rows(values_only=True)]
    assert str(rows[0][0]).startswith("Khảo sát hài lòng")
    on_day = datetime(2026, 11, 18)
    assert rows[1:] == [
        ("Chỉ số", "Giá trị"),
        ("Số lượt đánh giá", 5),
        ("Điểm trung bình (1–5)", 3.6),
        ("Số người được hỏi", 6),
        ("Số người không muốn đánh giá", 1),
        (),
        ("Mức điểm", "Số lượt"),
        (t("survey.score_5"), 1),
        (t("survey.score_4"), 2),
        (t("survey.score_3"), 1),
        (t("survey.score_2"), 1),
        (t("survey.score_1"), 0),
        (),
        ("Địa điểm", "Số lượt", "Điểm trung bình"),
        ("Bộ phận một cửa", 2, 4.5),
        ("Nhà văn hóa thôn An", 1, 4.0),
        ("Không rõ địa điểm", 2, 2.5),
        (),
        ("Người hỗ trợ", "Số lượt", "Điểm trung bình"),
        ("Trần Văn Tư", 2, 4.5),
        ("Cán bộ Hùng", 1, 3.0),
        ("Tình nguyện Mai", 1, 4.0),
        ("Không gắn với người hỗ trợ", 1, 2.0),
        (),
        ("Ngày", "Mức điểm", "Địa điểm", t("survey.col_comment")),
        (on_day, 5, "Bộ phận một cửa", TU_COMMENT_KEPT),
        (on_day, 3, "Không rõ địa điểm", WAIT_COMMENT),
    ]
    everything = " ".join(str(value) for row in rows for value in row)
    assert not any(name in everything for name in CITIZENS) and "0912" not in everything

"""Monthly targets per person and field: set in chat, progress in /kpi, the workbook sheet.

The builders here (`build_targets`, `person_of`) are shared with tests/test_targets_cli.py.
Known data for November 2026 (TODAY = 18/11/2026), every figure checked exactly:
- Lê Thị Mai (officer) helped with: birth registration on 03/11 (submitted, digitised, paid),
  death registration on 05/11 (submitted, digitised), marriage registration on 10/11
  (submitted), a certified copy on 12/11 (digitised, paid), a procedure the catalog no longer
  knows on 06/11 (submitted: field "other"); not counted: a birth registration on 31/10, a visit
  without a procedure on 11/11 (submitted ticked), and Tuấn's birth registration on 04/11.
- Đỗ Văn Nam (volunteer) helped with a residence registration on 07/11 (all three ticked).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import App
from bot.content.catalog import BUILTIN_GUIDES, GuideGroup, ProcedureField, load_catalog
from bot.db.models import AuditEntry, ChatIdentity, Person, PersonalTarget, Role
from bot.locales import t
from bot.services import targets
from bot.services.reports.kpis import Month
from tests.helpers import ChatUser, payloads, texts
from tests.test_households_flow import grant
from tests.test_numbered_menus import TEXT_CHANNEL, number_of
from tests.test_reports import NOW, add_assistance, build_commune

NOVEMBER = Month(2026, 11)
PROGRESS_RULE = t("targets.progress_rule")


async def person_of(app: App, user_id: str) -> int:
    async with app.sessionmaker() as session:
        identity = await session.scalar(
            select(ChatIdentity).where(
                ChatIdentity.channel == "test", ChatIdentity.external_id == user_id
            )
        )
        assert identity is not None
        return identity.person_id


async def chat_user(app: App, user_id: str, name: str, role: Role | None) -> ChatUser:
    app.dispatcher.clock = lambda: NOW
    user = ChatUser(app, user_id=user_id, name=name)
    await user.says("/start")
    if role is not None:
        await grant(app, user_id, role)
    return user


async def set_phone(app: App, person_id: int, phone: str) -> None:
    async with app.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.phone = phone


@dataclass
class Team:
    admin: ChatUser
    mai: ChatUser
    nam: ChatUser
    mai_id: int
    nam_id: int
    villages: dict[str, int]


async def build_targets(app: App) -> Team:
    """The commune of test_reports, an admin, Mai (officer), Nam (volunteer) and their help."""
    data = await build_commune(app)
    admin = await chat_user(app, "8000", "Quản Trị Viên", Role.ADMIN)
    mai = await chat_user(app, "8001", "Lê Thị Mai", Role.OFFICER)
    nam = await chat_user(app, "8002", "Đỗ Văn Nam", Role.VOLUNTEER)
    mai_id, nam_id = await person_of(app, "8001"), await person_of(app, "8002")
    await set_phone(app, nam_id, "0912345678")
    an, cat = data.households["An"], data.households["Cát"]
    nov = NOVEMBER.first
    visits = [
        (an[0], nov.replace(day=3), mai_id, "birth-registration", True, True, True),
        (an[1], nov.replace(day=5), mai_id, "death-registration", True, True, False),
        (an[2], nov.replace(day=10), mai_id, "marriage-registration", True, False, False),
        (cat[0], nov.replace(day=12), mai_id, "certified-copy", False, True, True),
        (cat[1], nov.replace(day=6), mai_id, "old-guide", True, False, False),
        (an[0], date(2026, 10, 31), mai_id, "birth-registration", True, True, True),
        (an[3], nov.replace(day=11), mai_id, None, True, True, True),
        (cat[2], nov.replace(day=4), data.tuan, "birth-registration", True, True, True),
        (an[3], nov.replace(day=7), nam_id, "residence-registration", True, True, True),
    ]
    for household, day, helper, procedure, submitted, digitised, paid in visits:
        await add_assistance(
            app,
            household,
            day,
            helper,
            procedure=procedure,
            fee_required=paid if procedure else None,
            submitted_online=submitted,
            papers_digitised=digitised,
            paid_online=paid,
        )
    return Team(admin, mai, nam, mai_id, nam_id, data.villages)


async def give(app: App, person_id: int, field: ProcedureField, *numbers: int) -> None:
    async with app.db.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        await targets.set_target(
            session, person, field, NOVEMBER, targets.Numbers(*numbers), actor_id=None, now=NOW
        )


async def give_november(app: App, team: Team) -> None:
    await give(app, team.mai_id, ProcedureField.CIVIL_STATUS, 4, 3, 2)
    await give(app, team.mai_id, ProcedureField.CERTIFICATION, 0, 1, 1)
    await give(app, team.mai_id, ProcedureField.LAND, 2, 0, 0)
    await give(app, team.nam_id, ProcedureField.RESIDENCE, 1, 1, 1)


MAI_PROGRESS = [
    "🎯 Chỉ tiêu cá nhân tháng 11/2026 — Lê Thị Mai",
    "⏳ Hộ tịch: nộp trực tuyến 3/4 (75%) · số hóa giấy tờ 2/3 (66,7%)"
    " · thanh toán trực tuyến 1/2 (50%)",
    "✅ Chứng thực: nộp trực tuyến 0/0 · số hóa giấy tờ 1/1 (100%)"
    " · thanh toán trực tuyến 1/1 (100%)",
    "⏳ Đất đai: nộp trực tuyến 0/2 (0%) · số hóa giấy tờ 0/0 · thanh toán trực tuyến 0/0",
    PROGRESS_RULE,
]


# ---------------------------------------------------------------------------- the catalog


def test_every_procedure_guide_has_a_field() -> None:
    catalog = load_catalog()
    assert catalog.problems == []
    procedures = catalog.by_group(GuideGroup.PROCEDURES)
    assert procedures and all("field" in guide.model_fields_set for guide in procedures)
    assert catalog.procedure_fields() == {
        "birth-registration": ProcedureField.CIVIL_STATUS,
        "certified-copy": ProcedureField.CERTIFICATION,
        "death-registration": ProcedureField.CIVIL_STATUS,
        "id-card": ProcedureField.IDENTITY,
        "marital-status": ProcedureField.CIVIL_STATUS,
        "marriage-registration": ProcedureField.CIVIL_STATUS,
        "martyr-info": ProcedureField.MERIT,
        "residence-registration": ProcedureField.RESIDENCE,
        "social-assistance": ProcedureField.SOCIAL_ASSISTANCE,
    }
    assert all(t(f"procedure_fields.{field.value}") for field in ProcedureField)


def test_a_guide_without_a_field_counts_as_other_and_a_wrong_field_is_refused(
    tmp_path: Path,
) -> None:
    """A commune's own guide written before fields existed still loads (its dossiers count
    under "Khác"); a field that is not on the list is a problem named with its file."""
    text = (BUILTIN_GUIDES / "certified-copy.toml").read_text(encoding="utf-8")
    (tmp_path / "certified-copy.toml").write_text(
        text.replace('field = "certification"\n', ""), encoding="utf-8"
    )
    wrong = text.replace('field = "certification"', 'field = "weather"')
    (tmp_path / "marital-status.toml").write_text(
        wrong.replace('id = "certified-copy"', 'id = "marital-status"'), encoding="utf-8"
    )
    catalog = load_catalog(tmp_path)
    problems = [str(problem) for problem in catalog.problems]
    assert len(problems) == 1 and "marital-status.toml: field field:" in problems[0]
    assert catalog.procedure_fields()["certified-copy"] is ProcedureField.OTHER
    # the built-in guide of the refused file's id stays in use
    assert catalog.procedure_fields()["marital-status"] is ProcedureField.CIVIL_STATUS


# ------------------------------------------------------------------------- setting in chat


async def test_admin_sets_a_target_in_chat_with_polite_checks(app: App) -> None:
    team = await build_targets(app)
    admin = team.admin
    assert "tgs" in payloads(await admin.presses("adm"))  # the admin menu's button
    ask = await admin.says("/targets")
    assert texts(ask) == t("targets.ask_person")
    assert f"tg:person:{team.mai_id}" in payloads(ask)
    assert "Đỗ Văn Nam (091****678)" in [c.label for r in ask for c in r.choices]
    # a forged button and an unknown name are refused, the question asked again
    forged = texts(await admin.presses("tg:person:999999"))
    assert forged == f"{t('targets.not_holder')}\n\n{t('targets.ask_person')}"
    nobody = texts(await admin.says("Trần Không Có"))
    assert nobody.startswith(t("targets.unknown_person", name="Trần Không Có"))
    field = await admin.says("le thi mai")  # typed, accents left out
    assert texts(field) == t("targets.ask_field", name="Lê Thị Mai")
    assert "tg:field:civil-status" in payloads(field)
    bad_field = texts(await admin.says("Thủy lợi"))
    assert bad_field.startswith("Không có lĩnh vực «Thủy lợi». Các lĩnh vực: Hộ tịch, Chứng thực,")
    month = await admin.presses("tg:field:civil-status")
    assert payloads(month)[:2] == ["tg:month:2026-11", "tg:month:2026-12"]
    assert texts(await admin.says("13/2026")).startswith(t("reports.bad_month", value="13/2026"))
    asked = texts(await admin.presses("tg:month:2026-11"))
    assert asked == t("targets.ask_submitted", month="11/2026", field="Hộ tịch", name="Lê Thị Mai")
    for wrong in ("mười", "-3", "2.5", "😀", "100001", "9" * 1999):
        reply = texts(await admin.says(wrong))
        assert reply == f"{t('targets.bad_number', value=wrong[:20], limit=10_000)}\n\n{asked}"
    assert texts(await admin.says("4")) == t("targets.ask_digitised")
    assert texts(await admin.says(" 3 ")) == t("targets.ask_paid")
    [done] = await admin.says("2")
    assert done.text == (
        "✅ Đã giao chỉ tiêu tháng 11/2026 cho Lê Thị Mai, lĩnh vực Hộ tịch: nộp trực tuyến 4,"
        " số hóa 3, thanh toán trực tuyến 2 hồ sơ."
    )
    assert "tgs" in payloads([done])
    # setting it again shows the current numbers and records the change
    await admin.presses("tgs")
    await admin.presses(f"tg:person:{team.mai_id}")
    await admin.presses("tg:field:civil-status")
    again = texts(await admin.presses("tg:month:2026-11"))
    assert again.endswith(
        "Chỉ tiêu hiện tại: nộp trực tuyến 4, số hóa 3, thanh toán trực tuyến 2."
    )
    await admin.says("5")
    await admin.says("3")
    assert texts(await admin.says("2")).startswith(
        "✅ Đã sửa chỉ tiêu tháng 11/2026 của Lê Thị Mai"
    )
    admin_id = await person_of(app, "8000")
    async with app.sessionmaker() as session:
        rows = (await session.scalars(select(PersonalTarget))).all()
        assert [
            (r.person_id, r.field, r.month, r.submitted, r.digitised, r.paid) for r in rows
        ] == [(team.mai_id, "civil-status", date(2026, 11, 1), 5, 3, 2)]
        assert rows[0].set_by_id == admin_id
        audit = (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity == "personal_target")
                .order_by(AuditEntry.id)
            )
        ).all()
    assert [(a.action, a.actor_id, a.before, a.after) for a in audit] == [
        (
            "target_set",
            admin_id,
            None,
            {"person_id": team.mai_id, "field": "civil-status", "month": "2026-11",
             "submitted": 4, "digitised": 3, "paid": 2},
        ),
        (
            "target_set",
            admin_id,
            {"person_id": team.mai_id, "field": "civil-status", "month": "2026-11",
             "submitted": 4, "digitised": 3, "paid": 2},
            {"person_id": team.mai_id, "field": "civil-status", "month": "2026-11",
             "submitted": 5, "digitised": 3, "paid": 2},
        ),
    ]  # fmt: skip


async def test_an_ambiguous_name_lists_the_candidates_with_masked_phones(app: App) -> None:
    team = await build_targets(app)
    await chat_user(app, "8003", "Phạm Văn Hùng", Role.VOLUNTEER)
    await chat_user(app, "8004", "Phạm Văn Hùng", Role.OFFICER)
    await set_phone(app, await person_of(app, "8003"), "0987654321")
    await team.admin.says("/targets")
    reply = texts(await team.admin.says("pham van hung"))
    candidates = "Phạm Văn Hùng (098****321); Phạm Văn Hùng (chưa có số điện thoại)"
    assert reply.startswith(
        t("targets.ambiguous_person", name="pham van hung", candidates=candidates)
    )
    assert "0987654321" not in reply
    # the phone picks one
    assert texts(await team.admin.says("098 765 4321")).startswith(
        "Giao chỉ tiêu cho Phạm Văn Hùng."
    )


async def test_volunteers_officers_and_citizens_cannot_set_targets(app: App) -> None:
    team = await build_targets(app)
    citizen = await chat_user(app, "8009", "Người Dân", None)
    for user in (citizen, team.nam, team.mai):
        assert texts(await user.says("/targets")).startswith(t("errors.not_allowed"))
        pressed = texts(await user.presses(f"tg:person:{team.mai_id}"))
        assert pressed.startswith(t("errors.not_allowed"))
        assert texts(await user.presses("tgs")).startswith(t("errors.not_allowed"))
    async with app.sessionmaker() as session:
        assert (await session.scalars(select(PersonalTarget))).all() == []


# ------------------------------------------------------------------------------- progress


async def test_progress_counts_dossiers_per_person_and_field(app: App) -> None:
    team = await build_targets(app)
    await give_november(app, team)
    fields = load_catalog().procedure_fields()
    async with app.sessionmaker() as session:
        done = await targets.done_counts(session, NOVEMBER.first, NOVEMBER.last, fields)
        items = await targets.progress(session, NOVEMBER.first, NOVEMBER.last, fields)
        october = await targets.progress(session, date(2026, 10, 1), date(2026, 10, 31), fields)
    tuan = await tuan_id(app)
    assert done == {
        (team.mai_id, ProcedureField.CIVIL_STATUS): (3, 2, 1),
        (team.mai_id, ProcedureField.CERTIFICATION): (0, 1, 1),
        (team.mai_id, ProcedureField.OTHER): (1, 0, 0),
        (team.nam_id, ProcedureField.RESIDENCE): (1, 1, 1),
        (tuan, ProcedureField.CIVIL_STATUS): (1, 1, 1),
    }
    assert [
        (p.name, p.field.value, [(m.target, m.done, m.pct, m.met) for m in p.measures], p.met)
        for p in items
    ] == [
        ("Đỗ Văn Nam", "residence", [(1, 1, 100.0, True)] * 3, True),
        ("Lê Thị Mai", "civil-status",
         [(4, 3, 75.0, False), (3, 2, 66.7, False), (2, 1, 50.0, False)], False),
        ("Lê Thị Mai", "certification",
         [(0, 0, None, True), (1, 1, 100.0, True), (1, 1, 100.0, True)], True),
        ("Lê Thị Mai", "land",
         [(2, 0, 0.0, False), (0, 0, None, True), (0, 0, None, True)], False),
    ]  # fmt: skip
    assert october == []


async def tuan_id(app: App) -> int:
    async with app.sessionmaker() as session:
        found = await session.scalar(
            select(Person.id).where(Person.display_name == "Trần Minh Tuấn")
        )
        assert found is not None
        return found


async def test_an_officer_sees_their_own_progress_in_kpi(app: App) -> None:
    team = await build_targets(app)
    await give_november(app, team)
    [reply] = await team.mai.says("/kpi")
    assert reply.text.splitlines() == MAI_PROGRESS
    [nam] = await team.nam.says("/kpi 2026-11")
    assert nam.text.splitlines() == [
        "🎯 Chỉ tiêu cá nhân tháng 11/2026 — Đỗ Văn Nam",
        "✅ Cư trú: nộp trực tuyến 1/1 (100%) · số hóa giấy tờ 1/1 (100%)"
        " · thanh toán trực tuyến 1/1 (100%)",
        PROGRESS_RULE,
    ]
    assert texts(await team.mai.says("/kpi 2026-10")) == t("targets.no_targets", month="10/2026")
    assert texts(await team.mai.says("/kpi 2026-13")).startswith(
        t("reports.bad_month", value="2026-13")
    )
    # the commune's KPIs stay for officials and admins; an admin with targets sees them after
    await give(app, await person_of(app, "8000"), ProcedureField.OTHER, 1, 0, 0)
    own, commune = await team.admin.says("/kpi")
    assert commune.text.startswith("🎯 Chỉ tiêu tháng 11/2026 — Xã Minh Họa")
    assert "rp:x" in payloads([commune])
    assert own.text.splitlines()[:2] == [
        "🎯 Chỉ tiêu cá nhân tháng 11/2026 — Quản Trị Viên",
        "⏳ Khác: nộp trực tuyến 0/1 (0%) · số hóa giấy tờ 0/0 · thanh toán trực tuyến 0/0",
    ]


# ------------------------------------------------------------------------------ workbook

HEADER = [
    "Người được giao",
    "Lĩnh vực",
    "Chỉ tiêu nộp trực tuyến",
    "Đã làm nộp trực tuyến",
    "% nộp trực tuyến",
    "Đạt nộp trực tuyến",
    "Chỉ tiêu số hóa giấy tờ",
    "Đã làm số hóa giấy tờ",
    "% số hóa giấy tờ",
    "Đạt số hóa giấy tờ",
    "Chỉ tiêu thanh toán trực tuyến",
    "Đã làm thanh toán trực tuyến",
    "% thanh toán trực tuyến",
    "Đạt thanh toán trực tuyến",
    "Đạt cả ba",
]
SHEET_ROWS = [
    ("Đỗ Văn Nam", "Cư trú", 1, 1, 100, "Đạt", 1, 1, 100, "Đạt", 1, 1, 100, "Đạt", "Đạt"),
    ("Lê Thị Mai", "Hộ tịch", 4, 3, 75, "Chưa đạt", 3, 2, 66.7, "Chưa đạt", 2, 1, 50,
     "Chưa đạt", "Chưa đạt"),
    ("Lê Thị Mai", "Chứng thực", 0, 0, None, "Đạt", 1, 1, 100, "Đạt", 1, 1, 100, "Đạt", "Đạt"),
    ("Lê Thị Mai", "Đất đai", 2, 0, 0, "Chưa đạt", 0, 0, None, "Đạt", 0, 0, None, "Đạt",
     "Chưa đạt"),
]  # fmt: skip


def personal_sheet(content: bytes) -> list[tuple[object, ...]]:
    workbook = load_workbook(io.BytesIO(content))
    return list(workbook["Đánh giá cá nhân"].iter_rows(values_only=True))


async def test_the_monthly_workbook_has_the_personal_sheet(app: App) -> None:
    team = await build_targets(app)
    await give_november(app, team)
    excel = [reply for reply in await team.admin.presses("rp:x") if reply.document]
    assert excel and excel[0].document is not None
    rows = personal_sheet(excel[0].document.content)
    assert str(rows[0][0]).startswith(
        "Đánh giá cá nhân tháng 11/2026: chỉ tiêu và số hồ sơ đã làm theo lĩnh vực — Xã Minh Họa"
    )
    assert rows[1][0] == t("targets.sheet_rule")
    assert list(rows[2]) == HEADER
    assert [tuple(row) for row in rows[3:]] == SHEET_ROWS


async def test_a_village_workbook_leaves_personal_figures_out(app: App) -> None:
    team = await build_targets(app)
    await give_november(app, team)
    village = await chat_user(app, "8010", "Cán Bộ Thôn", None)
    await grant(app, "8010", Role.OFFICIAL, team.villages["An"])
    excel = [reply for reply in await village.presses("rp:x") if reply.document]
    assert excel and excel[0].document is not None
    rows = personal_sheet(excel[0].document.content)
    assert rows[1:] == [(t("targets.not_in_scope"),)]


async def test_setting_a_target_by_typed_numbers_without_buttons(app: App) -> None:
    """As on the console or Zalo: every choice is a numbered line, chosen by typing it."""
    team = await build_targets(app)
    app.dispatcher.connect(TEXT_CHANNEL)
    admin = ChatUser(app, user_id="8100", name="Quản Trị Hai", channel=TEXT_CHANNEL.name)
    await admin.says("/start")
    await grant(app, "8100", Role.ADMIN, channel=TEXT_CHANNEL.name)
    people = await admin.says("/targets")
    fields = await admin.says(number_of(people, "Đỗ Văn Nam (091****678)"))
    months = await admin.says(number_of(fields, "Cư trú"))
    asked = await admin.says(number_of(months, t("targets.this_month", month="11/2026")))
    assert texts(asked) == t(
        "targets.ask_submitted", month="11/2026", field="Cư trú", name="Đỗ Văn Nam"
    )
    await admin.says("1")
    await admin.says("1")
    saved = texts(await admin.says("1"))
    assert saved.startswith("✅ Đã giao chỉ tiêu tháng 11/2026 cho Đỗ Văn Nam, lĩnh vực Cư trú")
    [progress] = await team.nam.says("/kpi")
    assert progress.text.splitlines()[1] == (
        "✅ Cư trú: nộp trực tuyến 1/1 (100%) · số hóa giấy tờ 1/1 (100%)"
        " · thanh toán trực tuyến 1/1 (100%)"
    )

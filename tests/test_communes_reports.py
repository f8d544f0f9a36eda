"""Issue 16: the survey's reports and the pushed reports in an installation with several
communes. Each official sees only their commune's ratings and comments (its villages', its
places', its help requests' and the desk ratings of those who chose it), the command line asks
which commune, and every report and push is headed by the official's own commune's name."""

from __future__ import annotations

from datetime import date, datetime

from bot.app import App
from bot.db.models import HelpRequest, Person, Role, Survey, SurveyStatus
from bot.services.reports.push import queue_daily_tallies
from scheduler.runtime import Runtime
from tests.helpers import ChatUser, payloads, texts
from tests.test_communes_isolation import Province, build, staff
from tests.test_outbox import FakeClock
from tests.test_report_push import Recorder, local, plan_and_send
from tests.test_reports_cli import dvcbot
from tests.test_tally import WED

TODAY = datetime.now(tz=local(WED, 12).tzinfo).date()  # the reports' "this month" is today's


async def ratings(app: App, data: Province, day: date) -> None:
    """For A: a rating of help in A's village. For B: a desk rating by someone who chose B, and
    a rating of a help request B's desk handled."""
    async with app.db.transaction() as session:
        a_citizen = Person(display_name="Dân A")
        b_citizen = Person(display_name="Dân B", commune_id=data.communes["B"])
        session.add_all([a_citizen, b_citizen])
        await session.flush()
        request = HelpRequest(
            person_id=b_citizen.id, commune_id=data.communes["B"], question="Hỏi khai sinh"
        )
        session.add(request)
        await session.flush()
        rows = [
            (a_citizen.id, "assist", None, data.villages["A"], 5, "Góp ý thôn A"),
            (b_citizen.id, "desk", None, None, 2, "Góp ý bàn B"),
            (a_citizen.id, "handoff", f"handoff:{request.id}", None, 4, "Góp ý hỏi đáp B"),
        ]
        for number, (person, source, visit, village, score, comment) in enumerate(rows):
            session.add(
                Survey(
                    person_id=person,
                    source=source,
                    visit=visit,
                    day=day.replace(day=1) if number == 2 else day,
                    village_id=village,
                    status=SurveyStatus.RATED.value,
                    rating=score,
                    comment=comment,
                )
            )


async def test_each_official_sees_only_their_communes_survey(app: App) -> None:
    data = await build(app)
    await ratings(app, data, TODAY)
    official_a = await staff(app, "501", Role.OFFICIAL, data.communes["A"])
    official_b = await staff(app, "502", Role.OFFICIAL, data.communes["B"])
    shown_a = texts(await official_a.says("/kpi"))
    shown_b = texts(await official_b.says("/kpi"))
    assert "Góp ý thôn A" in shown_a
    assert "Góp ý bàn B" not in shown_a and "Góp ý hỏi đáp B" not in shown_a
    assert "Góp ý bàn B" in shown_b and "Góp ý hỏi đáp B" in shown_b
    assert "Góp ý thôn A" not in shown_b
    assert "Xã Đức Hợp" in shown_a and "Xã Tân Tiến" in shown_b  # headed by their commune


async def test_the_command_line_needs_a_commune_for_the_survey(app: App) -> None:
    data = await build(app)
    await ratings(app, data, TODAY)
    refused = await dvcbot(app, "report", "kpi")
    assert refused.exit_code == 1 and "--commune" in refused.output
    done = await dvcbot(app, "report", "kpi", "--commune", "tan tien")
    assert done.exit_code == 0, done.output
    assert "Góp ý bàn B" in done.output and "Góp ý thôn A" not in done.output


async def test_each_officials_push_names_their_own_commune(app: App) -> None:
    data = await build(app)
    users: dict[str, ChatUser] = {}
    for key, user_id in (("A", "511"), ("B", "512")):
        users[key] = await staff(app, user_id, Role.OFFICIAL, data.communes[key])
        await users[key].presses("rp:s:d:1")
    clock, recorder = FakeClock(local(WED, 17, 30)), Recorder()
    runtime = Runtime(db=app.db, services=app.services, clock=clock)
    assert await plan_and_send(runtime, recorder) == 2
    [for_a] = recorder.to(users["A"])
    [for_b] = recorder.to(users["B"])
    assert for_a.startswith("📋 Hỗ trợ ngày 18/11/2026 (thứ Tư) — Xã Đức Hợp")
    assert for_b.startswith("📋 Hỗ trợ ngày 18/11/2026 (thứ Tư) — Xã Tân Tiến")


async def test_one_commune_keeps_its_configured_name(app: App) -> None:
    official = ChatUser(app, user_id="521", name="Cán bộ 521")
    await official.says("/start")
    from tests.test_households_flow import grant

    await grant(app, "521", Role.OFFICIAL)
    await official.presses("rp:s:d:1")
    async with app.db.transaction() as session:
        await queue_daily_tallies(session, app.settings, WED, local(WED, 17, 30))
    clock, recorder = FakeClock(local(WED, 17, 31)), Recorder()
    runtime = Runtime(db=app.db, services=app.services, clock=clock)
    await plan_and_send(runtime, recorder)
    [pushed] = recorder.to(official)
    assert pushed.startswith(f"📋 Hỗ trợ ngày 18/11/2026 (thứ Tư) — {app.settings.commune.name}")


async def test_the_province_sees_each_communes_survey_from_its_drill_down(app: App) -> None:
    data = await build(app)
    await ratings(app, data, TODAY)
    province = await staff(app, "531", Role.PROVINCE_OFFICIAL, None)
    drill = await province.presses(f"pv:c:{data.communes['B']}")
    assert f"pv:sv:{data.communes['B']}" in payloads(drill)
    shown = texts(await province.presses(f"pv:sv:{data.communes['B']}"))
    assert shown.startswith("Xã Tân Tiến")
    assert "Góp ý bàn B" in shown and "Góp ý thôn A" not in shown
    official = await staff(app, "532", Role.OFFICIAL, data.communes["A"])
    refused = texts(await official.presses(f"pv:sv:{data.communes['B']}"))
    assert "Góp ý bàn B" not in refused

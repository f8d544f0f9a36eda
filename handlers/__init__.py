"""Every command, button action and flow, registered in one place with who may use it.

Handlers are channel-neutral: they read a Context and return Replies. The menu entries at the
end are the main menu, in order. The actions themselves are declared in bot/actions/.
"""

from bot.actions import admin as admin_actions
from bot.actions import guides as guide_actions
from bot.actions import handoff as handoff_actions
from bot.actions import households as household_actions
from bot.actions import linking as link_actions
from bot.actions import posters as poster_actions
from bot.actions import questions as question_actions
from bot.actions import reports as report_actions
from bot.actions import shifts as shift_actions
from bot.actions import survey as survey_actions
from bot.actions import targets as target_actions
from bot.actions.communes import PickCommune, TypeCommune
from bot.actions.my_phone import EnterMyPhone, ForgetMyPhone
from bot.actions.province import (
    AddCommune,
    CommuneSurvey,
    CommuneVillages,
    ConfirmCommune,
    CreateCommune,
    InviteCommuneAdmin,
    ProvinceView,
    ProvinceWorkbook,
)
from bot.actions.start import ShowHelp
from bot.core.actions import MainMenu
from bot.core.registry import Registry
from bot.locales import t
from handlers import (
    admin,
    admin_roles,
    assistance_log,
    commune_create,
    communes,
    guides,
    handoff,
    household_create,
    household_edit,
    households,
    linking,
    my_phone,
    posters,
    province,
    questions,
    reports,
    safety,
    shifts,
    shifts_admin,
    shifts_autofill,
    shifts_days,
    shifts_roster,
    start,
    survey,
    targets,
)
from handlers.households import EDIT_ROLES, VIEW_ROLES
from handlers.shifts_common import (
    ADMINS,
    DAYS_OFF_ROLES,
    EVERYONE_ON_SHIFTS,
    LEADS,
    PROVINCE_ADMINS,
    WORKERS,
)


def register_all(registry: Registry) -> None:
    """Fill the registry; free text goes to the guide matcher."""
    registry.guard(safety.warn_about_secrets)
    # Codes typed as a whole message (Zalo has no start links): after the secrets guard.
    registry.guard(admin_roles.typed_invite)
    registry.guard(linking.typed_link)
    registry.guard(communes.typed_commune)  # "Xã Tân Tiến: …": a commune's poster on Zalo
    registry.guard(survey.typed_words)  # "đánh giá": the desk card's survey on Zalo
    # "tiếp", "quay lại", "xong", "vướng" typed while reading a guide press its buttons.
    registry.guard(guides.typed_guide_word)

    # Start, menu, help: everyone, also in group chats (where only public things are shown).
    registry.command("start", start.start, description="Bắt đầu, xem danh mục", groups=True)
    registry.command("menu", start.menu, description="Danh mục chính", groups=True)
    registry.command("help", start.help_command, description="Hướng dẫn sử dụng", groups=True)
    registry.command("cancel", start.cancel, description="Dừng việc đang làm", groups=True)
    registry.action(MainMenu, start.menu, groups=True)
    registry.action(ShowHelp, start.help_command, groups=True)

    # Citizen guides: everyone, in groups too; free text is a question for the guide matcher.
    g = guide_actions
    registry.command("guides", guides.list_guides, description="Danh sách hướng dẫn", groups=True)
    registry.action(g.ListGuides, guides.list_guides, groups=True)
    registry.action(g.OpenGuide, guides.open_guide, groups=True)
    registry.action(g.ShowStep, guides.show_step, groups=True)
    registry.action(g.FinishGuide, guides.finish_guide, groups=True)
    registry.action(g.RateGuide, guides.rate_guide, groups=True)
    registry.action(g.StuckOnStep, guides.stuck, groups=True)
    registry.action(g.GuidePicture, guides.picture, groups=True)
    registry.deep_link("guide", guides.open_linked_guide, groups=True)
    registry.menu_hook(guides.resume_offer)
    registry.text(guides.answer_question, groups=True)

    # Talk to a person: citizens ask; volunteers, officers and admins take and answer.
    ho, staff = handoff_actions, handoff.STAFF
    registry.command("myrequest", handoff.mine, description="Yêu cầu gặp cán bộ của tôi")
    registry.command("requests", handoff.staff_list, roles=staff)
    registry.action(ho.HandoffHub, handoff.hub)
    registry.action(ho.AskStaff, handoff.ask)
    registry.action(ho.SkipPhone, handoff.skip_phone)
    registry.action(ho.StopWriting, handoff.stop)
    registry.action(ho.MyRequest, handoff.mine)
    registry.action(ho.CancelRequest, handoff.cancel)
    registry.action(ho.WriteToStaff, handoff.write_to_staff)
    registry.action(ho.RequestList, handoff.staff_list, roles=staff)
    registry.action(ho.TakeRequest, handoff.take, roles=staff)
    registry.action(ho.OpenRequest, handoff.open_request, roles=staff)
    registry.action(ho.WriteToCitizen, handoff.write_to_citizen, roles=staff)
    registry.action(ho.CloseRequest, handoff.done, roles=staff)
    registry.flow(handoff.ASK)
    registry.flow(handoff.TO_STAFF)
    registry.flow(handoff.TO_CITIZEN, roles=staff)

    # Questions nobody took, answered in writing: officials read, officers and admins answer.
    qn, answering, viewing = question_actions, questions.ANSWER_ROLES, questions.VIEW_ROLES
    registry.command("questions", questions.question_list, roles=viewing)
    registry.action(qn.QuestionList, questions.question_list, roles=viewing)
    registry.action(qn.AnswerQuestion, questions.answer, roles=answering)
    registry.action(qn.SaveAsFaq, questions.save_as_faq, roles=answering)
    registry.command("faq", questions.faq_list, roles=answering)
    registry.action(qn.FaqList, questions.faq_page, roles=answering)
    registry.action(qn.DeleteFaq, questions.delete_faq, roles=answering)
    registry.flow(questions.ANSWER, roles=answering)
    registry.flow(questions.FAQ, roles=answering)

    # The household register: volunteers, officers and admins edit; officials read.
    h = household_actions
    registry.command("households", households.choose_village, roles=VIEW_ROLES)
    registry.action(h.ChooseVillage, households.choose_village, roles=VIEW_ROLES)
    registry.action(h.PickVillage, households.pick_village, roles=VIEW_ROLES)
    registry.action(h.OpenHousehold, households.open_card, roles=VIEW_ROLES)
    registry.action(h.ResultsPage, households.show_page, roles=VIEW_ROLES)
    registry.flow(households.SEARCH, roles=VIEW_ROLES)
    registry.action(h.NewHousehold, household_create.start, roles=EDIT_ROLES)
    registry.flow(household_create.REGISTER, roles=EDIT_ROLES)
    registry.action(h.EditHousehold, household_edit.choose_field, roles=EDIT_ROLES)
    registry.action(h.AddAccount, household_edit.add_account, roles=EDIT_ROLES)
    registry.flow(household_edit.EDIT, roles=EDIT_ROLES)
    registry.action(h.LogHelp, assistance_log.pressed, roles=EDIT_ROLES)
    registry.action(h.UndoHelpChanges, assistance_log.undo, roles=EDIT_ROLES)
    registry.flow(assistance_log.LOG, roles=EDIT_ROLES)
    registry.command("helped", assistance_log.my_tally, roles=EDIT_ROLES)
    registry.action(h.MyHelpTally, assistance_log.my_tally, roles=EDIT_ROLES)

    # Admin: villages, locations, invites, people; joining with an invite is for everyone.
    a, admins = admin_actions, admin.ADMIN
    registry.command("admin", admin.hub, roles=admins)
    registry.command("villages", admin.villages, roles=admins)
    registry.command("locations", admin.locations, roles=admins)
    registry.action(a.AdminHub, admin.hub, roles=admins)
    registry.action(a.ListVillages, admin.villages, roles=admins)
    registry.action(a.AddVillage, admin.add_village, roles=admins)
    registry.action(a.SetVillageCount, admin.set_village_count, roles=admins)
    registry.action(a.ListLocations, admin.locations, roles=admins)
    registry.action(a.AddLocation, admin.add_location, roles=admins)
    registry.flow(admin.VILLAGE, roles=admins)
    registry.flow(admin.LOCATION, roles=admins)
    registry.command("join", admin_roles.join)
    registry.deep_link("join", admin_roles.join)
    registry.command("invite", admin_roles.invite, roles=admins)
    registry.command("people", admin_roles.people_list, roles=admins)
    registry.action(a.StartInvite, admin_roles.invite, roles=admins)
    registry.action(a.InviteRole, admin_roles.invite_role, roles=admins)
    registry.action(a.InviteVillage, admin_roles.invite_village, roles=admins)
    registry.action(a.ListPeople, admin_roles.people_page, roles=admins)
    registry.action(a.ConfirmRevoke, admin_roles.confirm_revoke, roles=admins)
    registry.action(a.Revoke, admin_roles.revoke, roles=admins)

    # Wall posters and the desk card as PDFs: admins.
    pa = poster_actions
    registry.command("poster", posters.menu, roles=posters.ADMIN)
    registry.action(pa.PosterMenu, posters.menu, roles=posters.ADMIN)
    registry.action(pa.ChoosePaper, posters.choose_paper, roles=posters.ADMIN)
    registry.action(pa.GuidePoster, posters.guide_poster, roles=posters.ADMIN)
    registry.action(pa.DeskCard, posters.card, roles=posters.ADMIN)

    # The satisfaction survey: everyone (a score button is checked against its survey's owner).
    sv = survey_actions
    registry.deep_link("survey", survey.open_survey)
    registry.action(sv.RateVisit, survey.rate)
    registry.action(sv.DeclineSurvey, survey.decline)
    registry.flow(survey.NOTE)

    # One person on two messengers: link chats, choose where notifications go; everyone.
    lk = link_actions
    registry.command("lienket", linking.link, description="Liên kết Telegram và Zalo")
    registry.command("kenh", linking.channels, description="Chọn ứng dụng nhận thông báo")
    registry.action(lk.ChooseChannel, linking.choose)
    registry.action(lk.LatestChannel, linking.latest)

    # A person's own phone number, left with consent (the survey recognises them by it).
    registry.command("xa", communes.show, description=t("communes.command"))
    registry.action(PickCommune, communes.pick)
    registry.action(TypeCommune, communes.type_name)
    registry.flow(communes.CHOOSE)
    registry.deep_link("xa", communes.linked)
    registry.command("sodienthoai", my_phone.show, description=t("my_phone.command"))
    registry.action(EnterMyPhone, my_phone.enter)
    registry.action(ForgetMyPhone, my_phone.forget)
    registry.flow(my_phone.TYPE_PHONE)

    # Reports: officials and admins.
    r, officials = report_actions, reports.ROLES
    registry.command("report", reports.hub, roles=officials)
    registry.command("coverage", reports.show_coverage, roles=officials)
    registry.command("today", reports.today_command, roles=officials)
    registry.command("tally", reports.tally_command, roles=officials)
    # /kpi also shows volunteers and officers their own monthly targets (handlers/targets.py).
    registry.command("kpi", reports.kpi_command, roles=officials | EDIT_ROLES)
    registry.action(r.ReportHub, reports.hub, roles=officials)
    registry.action(r.ShowCoverage, reports.show_coverage, roles=officials)
    registry.action(r.TodayTally, reports.today_command, roles=officials)
    registry.action(r.DayTally, reports.day_tally, roles=officials)
    registry.action(r.MonthKpis, reports.month_kpis, roles=officials)
    registry.action(r.MonthWorkbook, reports.month_workbook, roles=officials)
    registry.action(r.Subscribe, reports.subscribe, roles=officials)

    # Desk shifts: volunteers and officers work them, officers lead them, admins set them up.
    s = shift_actions
    registry.command("shifts", shifts.hub, roles=EVERYONE_ON_SHIFTS)
    registry.action(s.ShiftsHub, shifts.hub, roles=EVERYONE_ON_SHIFTS)
    registry.action(s.OpenShifts, shifts.open_list, roles=WORKERS)
    registry.action(s.SignUp, shifts.sign_up, roles=WORKERS)
    registry.action(s.MyShifts, shifts.my_shifts, roles=WORKERS)
    registry.action(s.Withdraw, shifts.withdraw, roles=WORKERS)
    registry.action(s.CannotCome, shifts.cannot_come, roles=WORKERS)
    registry.action(s.CanCome, shifts.can_come, roles=WORKERS)
    registry.action(s.TakeStandIn, shifts.take, roles=WORKERS)
    registry.action(s.CheckIn, shifts.check_in, roles=WORKERS)
    registry.action(s.Unavailable, shifts.unavailable, roles=WORKERS)
    registry.command("shift_roster", shifts_roster.roster_command, roles=LEADS)
    registry.action(s.Roster, shifts_roster.locations, roles=LEADS)
    registry.action(s.OpenShift, shifts_roster.open_shift, roles=LEADS)
    registry.action(s.Candidates, shifts_roster.candidates, roles=LEADS)
    registry.action(s.Assign, shifts_roster.assign, roles=LEADS)
    registry.action(s.TakeOff, shifts_roster.take_off, roles=LEADS)
    registry.action(s.ToggleNoShow, shifts_roster.no_show, roles=LEADS)
    registry.action(s.ProposeAutofill, shifts_autofill.propose, roles=LEADS)
    registry.action(s.ApplyAutofill, shifts_autofill.apply, roles=LEADS)
    registry.flow(shifts_autofill.PROPOSAL, roles=LEADS)
    registry.command("shift_setup", shifts_admin.overview_command, roles=DAYS_OFF_ROLES)
    registry.command("generate_shifts", shifts_admin.generate_command, roles=ADMINS)
    registry.action(s.ShiftSetup, shifts_admin.overview_command, roles=DAYS_OFF_ROLES)
    registry.action(s.AddTemplate, shifts_admin.add_template, roles=ADMINS)
    registry.action(s.ChooseTemplateToRemove, shifts_admin.removable, roles=ADMINS)
    registry.action(s.RetireTemplate, shifts_admin.retire, roles=ADMINS)
    registry.action(s.GenerateShifts, shifts_admin.generate_default, roles=ADMINS)
    registry.flow(shifts_admin.TEMPLATE, roles=ADMINS)
    registry.action(s.DaysOff, shifts_days.overrides_command, roles=DAYS_OFF_ROLES)
    registry.action(
        s.ProvinceDaysOff, shifts_days.province_overrides_command, roles=PROVINCE_ADMINS
    )
    registry.action(s.AddClosedDay, shifts_days.add_closed_day, roles=DAYS_OFF_ROLES)
    registry.action(s.AddWorkingDay, shifts_days.add_working_day, roles=DAYS_OFF_ROLES)
    registry.action(s.RemoveDayOff, shifts_days.remove, roles=DAYS_OFF_ROLES)
    registry.flow(shifts_days.DAY_OFF, roles=DAYS_OFF_ROLES)

    # Monthly personal targets: admins give them (their progress is in /kpi).
    tg = target_actions
    registry.command("targets", targets.start, roles=targets.ADMINS)
    registry.action(tg.SetTarget, targets.start, roles=targets.ADMINS)
    registry.flow(targets.SET, roles=targets.ADMINS)

    # The main menu, in order; each entry shows only to the roles that can use it.
    registry.menu(t("guides.menu"), g.ListGuides(), groups=True)
    registry.menu(t("guides.talk_to_person"), ho.HandoffHub())
    registry.menu(t("volunteer.menu"), h.ChooseVillage(), roles=VIEW_ROLES)
    registry.menu(t("volunteer.my_tally"), h.MyHelpTally(), roles=EDIT_ROLES)
    registry.menu(t("admin.menu"), a.AdminHub(), roles=admins)
    registry.menu(t("reports.menu"), r.ReportHub(), roles=officials)
    registry.command(
        "province", province.show, description=t("province.command"), roles=province.ROLES
    )
    registry.action(ProvinceView, province.show, roles=province.ROLES)
    registry.action(CommuneVillages, province.commune_villages, roles=province.ROLES)
    registry.action(CommuneSurvey, province.commune_survey, roles=province.ROLES)
    registry.action(ProvinceWorkbook, province.workbook, roles=province.ROLES)
    registry.menu(t("province.menu"), ProvinceView(), roles=province.ROLES)
    # Province admins add communes and invite each one's first admin.
    adders = commune_create.ROLES
    registry.command("add_commune", commune_create.start, roles=adders)
    registry.action(AddCommune, commune_create.start, roles=adders)
    registry.action(ConfirmCommune, commune_create.confirm, roles=adders)
    registry.action(CreateCommune, commune_create.create, roles=adders)
    registry.action(InviteCommuneAdmin, commune_create.invite_admin, roles=adders)
    registry.flow(commune_create.NAMING, roles=adders)
    registry.menu(t("shifts.menu"), s.ShiftsHub(), roles=EVERYONE_ON_SHIFTS)
    registry.menu(t("shift_admin.days_off_menu"), s.ProvinceDaysOff(), roles=PROVINCE_ADMINS)
    registry.menu(t("handoff.list_button"), ho.RequestList(), roles=staff)
    registry.menu(t("questions.menu"), qn.QuestionList(), roles=viewing)
    registry.menu(t("menu.help"), ShowHelp(), groups=True)

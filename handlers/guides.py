"""Citizen guides: the catalog, step-by-step walking, pictures, feedback, free-text questions."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from bot.actions.guides import (
    FinishGuide,
    GuidePicture,
    ListGuides,
    OpenGuide,
    RateGuide,
    ShowStep,
    StuckOnStep,
)
from bot.actions.handoff import HandoffHub
from bot.content.catalog import Guide, GuideGroup
from bot.core.actions import Action, MainMenu, menu_choice
from bot.core.context import Context, UserError
from bot.core.messages import Choice, Replies, Reply
from bot.db.models import GuideProgress
from bot.locales import t
from bot.services import places
from bot.services.guides import desk as help_desk
from bot.services.guides import progress as guide_progress
from bot.services.guides.chat_words import GuideWord, SmallTalk, chat_words
from bot.services.shifts.text import clock, weekday_set
from handlers.questions import faq_reply
from handlers.start import main_menu

GROUP_ICONS = {
    GuideGroup.ACCOUNTS: "🪪",
    GuideGroup.SUBMIT_PAY: "📤",
    GuideGroup.PROCEDURES: "📄",
    GuideGroup.SAFETY: "🛡",
}
HELP_DESK = "help-desk"
CONFIDENT = 0.85  # match score from which a question opens its guide straight away
SCAM_NOTICE = "scam-warning"
# "tiếp", "xong"… move the guide read last if it moved this recently (a step can take a while:
# waiting for an SMS, finding a paper), not one left long ago.
GUIDE_WORDS_WINDOW = timedelta(hours=1)
SMALL_TALK_ANSWERS = {
    SmallTalk.GREETING: "guides.hello",
    SmallTalk.THANKS: "guides.thanks",
    SmallTalk.ACK: "guides.ack",
}


def group_name(group: GuideGroup) -> str:
    return t(f"guides.group_{group.value.replace('-', '_')}")


def guide_named(ctx: Context, guide_id: str) -> Guide:
    """The guide named by a button or link; unknown ids are refused politely."""
    guide = ctx.services.catalog.get(guide_id)
    if guide is None:
        raise UserError(t("errors.bad_button"))
    return guide


def open_choice(guide: Guide) -> Choice:
    return OpenGuide(guide.id).button(guide.title)


def talk_choice() -> Choice:
    return HandoffHub().button(t("guides.talk_to_person"))


async def list_guides(ctx: Context) -> Replies:
    """Every guide, by group, as buttons."""
    catalog = ctx.services.catalog
    lines = [t("guides.list_intro")]
    choices: list[Choice] = []
    for group in GuideGroup:
        members = catalog.by_group(group)
        if not members:
            continue
        lines.append("")
        lines.append(t("guides.group_heading", icon=GROUP_ICONS[group], name=group_name(group)))
        lines.extend(f"• {guide.title}" for guide in members)
        choices.extend(open_choice(guide) for guide in members)
    return Reply("\n".join(lines), choices=(*choices, menu_choice()), columns=2)


async def open_linked_guide(ctx: Context) -> Replies:
    """/start guide-<id>: a guide opened from a link or a poster."""
    return await open_guide(ctx, OpenGuide(ctx.args[0]))


async def open_guide(ctx: Context, pressed: OpenGuide) -> Replies:
    """A guide's introduction: what it is, where, fees, what to bring; the scam warning once."""
    guide = guide_named(ctx, pressed.guide)
    await guide_progress.record_step(ctx.session, ctx.person.id, guide.id, 0, ctx.now)
    where = (await desk_where(ctx) or guide.where) if guide.id == HELP_DESK else guide.where
    intro = Reply(
        t(
            "guides.intro",
            title=guide.title,
            summary=guide.summary,
            where=where,
            fees=guide.fees,
            bring="\n".join(f"• {item}" for item in guide.bring),
            legal="; ".join(guide.legal_basis),
        ),
        choices=(
            ShowStep(guide.id, 1).button(t("guides.start_button", count=len(guide.steps))),
            GuidePicture(guide.id).button(t("guides.picture_button")),
            ListGuides().button(t("guides.other_guides")),
            menu_choice(),
        ),
    )
    if guide.account_related and await guide_progress.first_time(
        ctx.session, ctx.person.id, SCAM_NOTICE, ctx.now
    ):
        return [Reply(t("guides.scam_warning")), intro]
    return intro


async def show_step(ctx: Context, pressed: ShowStep) -> Replies:
    """Step n of a guide, with back / next (or done) / stuck; it replaces the previous step."""
    guide = guide_named(ctx, pressed.guide)
    number = pressed.number
    if number == 0:
        return await open_guide(ctx, OpenGuide(guide.id))
    if number > len(guide.steps):
        raise UserError(t("errors.bad_button"))
    step = guide.steps[number - 1]
    await guide_progress.record_step(ctx.session, ctx.person.id, guide.id, number, ctx.now)
    text = t(
        "guides.step", number=number, total=len(guide.steps), title=step.title, text=step.text
    )
    if step.tip:
        text += t("guides.tip", tip=step.tip)
    last = number == len(guide.steps)
    forward = (
        FinishGuide(guide.id).button(t("guides.finish"))
        if last
        else ShowStep(guide.id, number + 1).button(t("guides.next"))
    )
    choices = (
        ShowStep(guide.id, number - 1).button(t("guides.back")),
        forward,
        StuckOnStep(guide.id, number).button(t("guides.stuck")),
        menu_choice(),
    )
    image = ctx.services.catalog.step_image(guide, step)
    return Reply(
        text,
        choices=choices,
        columns=2,
        image=image.read_bytes() if image is not None else None,
        replace=True,
    )


async def finish_guide(ctx: Context, pressed: FinishGuide) -> Replies:
    """The end of a guide: ask whether the problem was solved."""
    guide = guide_named(ctx, pressed.guide)
    await guide_progress.finish(ctx.session, ctx.person.id, guide.id, ctx.now)
    return Reply(
        t("guides.done_question", title=guide.title),
        choices=(
            RateGuide(guide.id, solved=True).button(t("guides.solved_yes")),
            RateGuide(guide.id, solved=False).button(t("guides.solved_no")),
        ),
        columns=2,
        replace=True,
    )


async def rate_guide(ctx: Context, pressed: RateGuide) -> Replies:
    """Store whether the guide solved the problem, then offer related guides."""
    guide = guide_named(ctx, pressed.guide)
    solved = pressed.solved
    await guide_progress.record_feedback(ctx.session, ctx.person.id, guide.id, solved, ctx.now)
    related = [ctx.services.catalog.get(other) for other in guide.related]
    choices = [open_choice(other) for other in related if other is not None]
    if solved:
        return Reply(t("guides.thanks_solved"), choices=(*choices, menu_choice()))
    choices.insert(0, talk_choice())
    return Reply(t("guides.thanks_not_solved"), choices=(*choices, menu_choice()))


async def stuck(ctx: Context, pressed: StuckOnStep) -> Replies:
    """The person is stuck on a step: encourage, and offer a person or the picture."""
    guide = guide_named(ctx, pressed.guide)
    number = pressed.number
    if not 1 <= number <= len(guide.steps):
        raise UserError(t("errors.bad_button"))
    await guide_progress.record_stuck(ctx.session, ctx.person.id, guide.id, number, ctx.now)
    return Reply(
        t("guides.stuck_text", number=number),
        choices=(
            ShowStep(guide.id, number).button(t("guides.back_to_step", number=number)),
            GuidePicture(guide.id).button(t("guides.picture_button")),
            talk_choice(),
            menu_choice(),
        ),
    )


async def picture(ctx: Context, pressed: GuidePicture) -> Replies:
    """All of a guide's steps as one picture."""
    guide = guide_named(ctx, pressed.guide)
    image = await asyncio.to_thread(ctx.services.pictures.picture, guide)
    choices = [ShowStep(guide.id, 1).button(t("guides.start_button", count=len(guide.steps)))]
    reading = await guide_progress.current(
        ctx.session, ctx.person.id, ctx.now - GUIDE_WORDS_WINDOW
    )
    if (
        reading is not None
        and reading.guide_id == guide.id
        and 1 <= reading.step <= len(guide.steps)
    ):
        back = ShowStep(guide.id, reading.step).button(
            t("guides.back_to_step", number=reading.step)
        )
        choices.insert(0, back)
    return Reply(
        t("guides.picture_caption", title=guide.title),
        image=image,
        choices=(*choices, menu_choice()),
    )


async def answer_question(ctx: Context) -> Replies:
    """Free text: a greeting or thanks answered kindly, the matching guide, a choice of close
    ones, or the out-of-scope answer."""
    text = ctx.incoming.text or ""
    words = chat_words()
    small_talk = words.small_talk(text)
    if small_talk is not None:
        name = ctx.person.display_name or t("start.anonymous")
        return await main_menu(ctx, t(SMALL_TALK_ANSWERS[small_talk], name=name))
    if words.guide_word(text) is not None:  # "tiếp" with no guide open: where to go on
        return await main_menu(ctx, t("guides.no_guide_open"))
    match = ctx.services.matcher.match(text)
    # A FAQ staff saved answers unless a guide matches clearly.
    if match.guide_id is None or match.score < CONFIDENT:
        faq = await faq_reply(ctx, text)
        if faq is not None:
            return faq
    catalog = ctx.services.catalog
    alternatives = [guide for guide in map(catalog.get, match.alternatives) if guide is not None]
    if match.guide_id is not None and (match.score >= CONFIDENT or not alternatives):
        if match.guide_id == HELP_DESK and not ctx.incoming.group:
            return await ctx.follow(HandoffHub())  # "gặp cán bộ": the way to a person
        opened = await open_guide(ctx, OpenGuide(match.guide_id))
        return _with_alternatives(opened, alternatives)
    top = catalog.get(match.guide_id) if match.guide_id else None
    found = ([top] if top else []) + alternatives
    if found:
        text = t("guides.several_matches") if top else t("guides.unsure")
        return Reply(text, choices=(*map(open_choice, found), menu_choice()))
    return Reply(
        t("guides.out_of_scope"),
        choices=(
            ListGuides().button(t("guides.menu")),
            talk_choice(),
            menu_choice(),
        ),
    )


def _with_alternatives(replies: Replies, alternatives: list[Guide]) -> Replies:
    """Add "maybe you meant" buttons under a guide opened from a question."""
    if not alternatives:
        return replies
    items = replies if isinstance(replies, list) else [replies]
    last = items[-1]
    extra = tuple(
        OpenGuide(guide.id).button(t("guides.maybe", title=guide.title)[:60])
        for guide in alternatives
    )
    main_menu = MainMenu().pack()
    menu = tuple(choice for choice in last.choices if choice.payload == main_menu)
    others = tuple(choice for choice in last.choices if choice.payload != main_menu)
    return [*items[:-1], replace(last, choices=(*others, *extra, *menu))]


async def resume_offer(ctx: Context) -> list[Choice]:
    """'Continue where you stopped' for the guide the person left halfway."""
    progress = await guide_progress.unfinished(ctx.session, ctx.person.id)
    if progress is None:
        return []
    guide = ctx.services.catalog.get(progress.guide_id)
    if guide is None or progress.step > len(guide.steps):
        return []
    label = t("guides.resume", title=guide.title, number=progress.step)
    return [ShowStep(guide.id, progress.step).button(label[:60])]


async def typed_guide_word(ctx: Context) -> Replies | None:
    """A guard: "tiếp", "quay lại", "xong", "vướng"… typed while reading a guide press its
    buttons, on every channel (before the numbered menus take "quay lại" and "xong")."""
    if ctx.incoming.group or ctx.state.flow is not None:
        return None
    word = chat_words().guide_word(ctx.incoming.text or "")
    if word is None:
        return None
    since = ctx.now - GUIDE_WORDS_WINDOW
    reading = await guide_progress.current(ctx.session, ctx.person.id, since)
    action = _button_for(ctx, reading, word) if reading is not None else None
    return await ctx.follow(action) if action is not None else None


def _button_for(ctx: Context, reading: GuideProgress, word: GuideWord) -> Action | None:
    """The button of the step being read that the word names."""
    guide = ctx.services.catalog.get(reading.guide_id)
    number = reading.step
    if guide is None or not 0 <= number <= len(guide.steps):
        return None
    if word in (GuideWord.NEXT, GuideWord.DONE):
        last = number == len(guide.steps)
        return FinishGuide(guide.id) if last else ShowStep(guide.id, number + 1)
    if word == GuideWord.BACK:
        return ShowStep(guide.id, number - 1) if number > 0 else ListGuides()
    return StuckOnStep(guide.id, number) if number > 0 else None


async def desk_where(ctx: Context) -> str | None:
    """Where and when the desk helps, as the commune configured it; None when nothing is."""
    settings = ctx.services.settings.commune
    today = ctx.now.astimezone(settings.tz).date()
    commune_id = await places.commune_of(ctx.session, ctx.person.id)
    if commune_id is None:  # several communes, none chosen yet: whose desk is not known
        return None
    day = await help_desk.desk_day(ctx.session, today, ctx.now, commune_id)
    if not day.desks:
        return None
    lines = [_desk_lines(ctx, desk) for desk in day.desks]
    if day.closed_today:
        reason = (
            t("guides.desk_closed_reason", reason=day.closed_reason) if day.closed_reason else ""
        )
        lines.append(t("guides.desk_closed_today", reason=reason))
    return "\n" + "\n".join(lines)


def _desk_lines(ctx: Context, desk: help_desk.Desk) -> str:
    """One place: its name and address, its weekly hours, who is on duty today."""
    lines = [t("guides.desk_place", name=desk.name)]
    if desk.address:
        lines[0] += t("guides.desk_address", address=desk.address)
    for hours in desk.hours:
        slots = ", ".join(f"{clock(starts)}–{clock(ends)}" for starts, ends in hours.slots)
        lines.append(t("guides.desk_hours", days=weekday_set(list(hours.weekdays)), slots=slots))
    shifts = [_shift_line(ctx, duty) for duty in desk.on_duty]
    if shifts:
        lines.append(t("guides.desk_today", shifts="; ".join(shifts)))
    return "\n".join(lines)


def _shift_line(ctx: Context, duty: help_desk.OnDuty) -> str:
    """ "07:30–11:30 có Mai, An trực": first names in a private chat; in a group, or when no
    name is known, only that someone is there."""
    tz = ctx.services.settings.commune.tz
    hours = f"{clock(duty.starts_at, tz)}–{clock(duty.ends_at, tz)}"
    if ctx.incoming.group or not duty.first_names:
        return t("guides.desk_shift_someone", hours=hours)
    return t("guides.desk_shift_named", hours=hours, names=", ".join(duty.first_names))

"""Citizen guides: the catalog, step-by-step walking, pictures, feedback, free-text questions."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.content.catalog import Guide, GuideGroup
from bot.core.context import Context, UserError
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies, menu_choice
from bot.locales import t
from bot.services.guides import progress as guide_progress

GROUP_ICONS = {
    GuideGroup.ACCOUNTS: "🪪",
    GuideGroup.SUBMIT_PAY: "📤",
    GuideGroup.PROCEDURES: "📄",
    GuideGroup.SAFETY: "🛡",
}
HELP_DESK = "help-desk"
HANDOFF = "ho"  # "talk to a person": handlers/handoff.py answers this payload
CONFIDENT = 0.85  # match score from which a question opens its guide straight away
SCAM_NOTICE = "scam-warning"


def group_name(group: GuideGroup) -> str:
    return t(f"guides.group_{group.value.replace('-', '_')}")


def guide_from(ctx: Context, index: int = 0) -> Guide:
    """The guide named by a button or link argument; unknown ids are refused politely."""
    guide_id = ctx.args[index] if len(ctx.args) > index else ""
    guide = ctx.services.catalog.get(guide_id)
    if guide is None:
        raise UserError(t("errors.bad_button"))
    return guide


def open_choice(guide: Guide) -> Choice:
    return Choice(guide.title, f"g:{guide.id}")


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


async def open_guide(ctx: Context) -> Replies:
    """A guide's introduction: what it is, where, fees, what to bring; the scam warning once."""
    guide = guide_from(ctx)
    await guide_progress.record_step(ctx.session, ctx.person.id, guide.id, 0, ctx.now)
    intro = Reply(
        t(
            "guides.intro",
            title=guide.title,
            summary=guide.summary,
            where=guide.where,
            fees=guide.fees,
            bring="\n".join(f"• {item}" for item in guide.bring),
            legal="; ".join(guide.legal_basis),
        ),
        choices=(
            Choice(t("guides.start_button", count=len(guide.steps)), f"gs:{guide.id}:1"),
            Choice(t("guides.picture_button"), f"gi:{guide.id}"),
            Choice(t("guides.other_guides"), "gl"),
            menu_choice(),
        ),
    )
    if guide.account_related and await guide_progress.first_time(
        ctx.session, ctx.person.id, SCAM_NOTICE, ctx.now
    ):
        return [Reply(t("guides.scam_warning")), intro]
    return intro


async def show_step(ctx: Context) -> Replies:
    """Step n of a guide, with back / next (or done) / stuck; it replaces the previous step."""
    guide = guide_from(ctx)
    number = ctx.int_arg(1)
    if number == 0:
        return await open_guide(ctx)
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
        Choice(t("guides.finish"), f"gd:{guide.id}")
        if last
        else Choice(t("guides.next"), f"gs:{guide.id}:{number + 1}")
    )
    choices = (
        Choice(t("guides.back"), f"gs:{guide.id}:{number - 1}"),
        forward,
        Choice(t("guides.stuck"), f"gk:{guide.id}:{number}"),
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


async def finish_guide(ctx: Context) -> Replies:
    """The end of a guide: ask whether the problem was solved."""
    guide = guide_from(ctx)
    await guide_progress.finish(ctx.session, ctx.person.id, guide.id, ctx.now)
    return Reply(
        t("guides.done_question", title=guide.title),
        choices=(
            Choice(t("guides.solved_yes"), f"gf:{guide.id}:1"),
            Choice(t("guides.solved_no"), f"gf:{guide.id}:0"),
        ),
        columns=2,
        replace=True,
    )


async def feedback(ctx: Context) -> Replies:
    """Store whether the guide solved the problem, then offer related guides."""
    guide = guide_from(ctx)
    solved = ctx.int_arg(1)
    if solved not in (0, 1):
        raise UserError(t("errors.bad_button"))
    await guide_progress.record_feedback(
        ctx.session, ctx.person.id, guide.id, bool(solved), ctx.now
    )
    related = [ctx.services.catalog.get(other) for other in guide.related]
    choices = [open_choice(other) for other in related if other is not None]
    if solved:
        return Reply(t("guides.thanks_solved"), choices=(*choices, menu_choice()))
    choices.insert(0, Choice(t("guides.talk_to_person"), HANDOFF))
    return Reply(t("guides.thanks_not_solved"), choices=(*choices, menu_choice()))


async def stuck(ctx: Context) -> Replies:
    """The person is stuck on a step: encourage, and offer a person or the picture."""
    guide = guide_from(ctx)
    number = ctx.int_arg(1)
    if not 1 <= number <= len(guide.steps):
        raise UserError(t("errors.bad_button"))
    await guide_progress.record_stuck(ctx.session, ctx.person.id, guide.id, number, ctx.now)
    return Reply(
        t("guides.stuck_text", number=number),
        choices=(
            Choice(t("guides.back_to_step", number=number), f"gs:{guide.id}:{number}"),
            Choice(t("guides.picture_button"), f"gi:{guide.id}"),
            Choice(t("guides.talk_to_person"), HANDOFF),
            menu_choice(),
        ),
    )


async def picture(ctx: Context) -> Replies:
    """All of a guide's steps as one picture."""
    guide = guide_from(ctx)
    image = await asyncio.to_thread(ctx.services.pictures.picture, guide)
    return Reply(
        t("guides.picture_caption", title=guide.title),
        image=image,
        choices=(
            Choice(t("guides.start_button", count=len(guide.steps)), f"gs:{guide.id}:1"),
            menu_choice(),
        ),
    )


async def answer_question(ctx: Context) -> Replies:
    """Free text: the matching guide, a choice of close ones, or the out-of-scope answer."""
    match = ctx.services.matcher.match(ctx.incoming.text or "")
    catalog = ctx.services.catalog
    alternatives = [guide for guide in map(catalog.get, match.alternatives) if guide is not None]
    if match.guide_id is not None and (match.score >= CONFIDENT or not alternatives):
        if match.guide_id == HELP_DESK:  # "gặp cán bộ": the way to a person, not just the guide
            return await ctx.services.registry.choices[HANDOFF].handler(ctx)
        ctx.args = [match.guide_id]
        opened = await open_guide(ctx)
        return _with_alternatives(opened, alternatives)
    top = catalog.get(match.guide_id) if match.guide_id else None
    found = ([top] if top else []) + alternatives
    if found:
        text = t("guides.several_matches") if top else t("guides.unsure")
        return Reply(text, choices=(*map(open_choice, found), menu_choice()))
    return Reply(
        t("guides.out_of_scope"),
        choices=(
            Choice(t("guides.menu"), "gl"),
            Choice(t("guides.talk_to_person"), HANDOFF),
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
        Choice(t("guides.maybe", title=guide.title)[:60], f"g:{guide.id}")
        for guide in alternatives
    )
    menu = tuple(choice for choice in last.choices if choice.payload == "menu")
    others = tuple(choice for choice in last.choices if choice.payload != "menu")
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
    return [Choice(label[:60], f"gs:{guide.id}:{progress.step}")]


def register(registry: Registry) -> None:
    registry.command("guides", list_guides, description="Danh sách hướng dẫn")
    registry.choice("gl", list_guides)
    registry.choice("g", open_guide)
    registry.choice("gs", show_step)
    registry.choice("gd", finish_guide)
    registry.choice("gf", feedback)
    registry.choice("gk", stuck)
    registry.choice("gi", picture)
    registry.deep_link("guide", open_guide)
    registry.menu_hook(resume_offer)
    registry.menu(t("guides.menu"), "gl")
    registry.menu(t("guides.talk_to_person"), HANDOFF)

"""One person on two messengers: /lienket gives a code, the code typed elsewhere links the
chat; /kenh shows and changes which channel reminders and pushes use.

The code may also be typed without the slash ("lienket CODE", "Liên kết: code"), which is
what people do on Zalo; a message that only looks like "liên kết <words>" is a question.
"""

from __future__ import annotations

from bot.actions.linking import ChooseChannel, LatestChannel
from bot.core.actions import menu_choice
from bot.core.context import Context, UserError
from bot.core.messages import Choice, Replies, Reply
from bot.core.state import active_roles
from bot.locales import catalog, t
from bot.services import linking, outbox
from bot.services.linking import LinkOutcome, channel_name

# --------------------------------------------------------------------------------- linking


async def link(ctx: Context) -> Replies:
    """/lienket: a new code; /lienket CODE: link this chat with the code's person."""
    ctx.end_flow()
    if ctx.args:
        return await redeem(ctx, "".join(ctx.args)[:64])
    return await new_code(ctx)


async def typed_link(ctx: Context) -> Replies | None:
    """A typed "lienket" or "liên kết CODE" without the slash, in a private chat, no flow."""
    if ctx.incoming.group or ctx.state.flow is not None:
        return None
    text = ctx.incoming.text or ""
    if linking.asks_for_code(text):
        ctx.route_name = "typed:lienket"
        return await new_code(ctx)
    code = linking.typed_code(text)
    if code is None:
        return None
    ctx.route_name = "typed:lienket"
    return await redeem(ctx, code)


async def new_code(ctx: Context) -> Replies:
    """A one-time code, with the one line to type on the other messenger."""
    created, code = await linking.create(ctx.session, ctx.identity, ctx.now)
    expires = created.expires_at.astimezone(ctx.services.settings.commune.tz)
    other = f"link.other_{ctx.channel.name}"
    text = t(
        "link.code",
        code=code,
        minutes=int(linking.LINK_TTL.total_seconds() // 60),
        expires=expires.strftime("%H:%M"),
        other=t(other) if other in catalog() else t("link.other_any"),
    )
    return Reply(text, choices=(menu_choice(),))


async def redeem(ctx: Context, code: str) -> Replies:
    """Link this chat with the code's person, then ask where notifications should go."""
    result = await linking.redeem(ctx.session, ctx.identity, ctx.person, code, ctx.now)
    if result.outcome is not LinkOutcome.LINKED or result.person is None:
        return Reply(t(f"link.{result.outcome.value}"), choices=(menu_choice(),))
    ctx.person = result.person
    ctx.roles = await active_roles(ctx.session, ctx.person.id)
    channels = await linking.private_channels(ctx.session, ctx.person.id)
    done = Reply(t("link.linked", channels=spoken([channel_name(c) for c in channels])))
    return [done, channel_question(channels, t("link.ask_channel"))]


def spoken(names: list[str]) -> str:
    """ "Telegram và Zalo"; "Telegram, Zalo và …" for more."""
    if len(names) < 2:
        return "".join(names)
    return t("link.and", first=", ".join(names[:-1]), last=names[-1])


# ------------------------------------------------------------------------ preferred channel


def channel_question(channels: list[str], text: str) -> Reply:
    """Which channel notifications should use: one choice per channel, and "the latest"."""
    choices: list[Choice] = [
        ChooseChannel(channel).button(t("link.channel_button", channel=channel_name(channel)))
        for channel in channels
    ]
    choices += [LatestChannel().button(t("link.latest_button")), menu_choice()]
    return Reply(text, choices=tuple(choices))


async def channels(ctx: Context) -> Replies:
    """/kenh: where notifications go now, and the choice to change it."""
    ctx.end_flow()
    person_id = ctx.person.id
    held = await linking.private_channels(ctx.session, person_id)
    current = (await outbox.delivery_chats(ctx.session, [person_id])).get(person_id)
    where = channel_name(current.channel if current else ctx.channel.name)
    why = t("link.chosen" if ctx.person.preferred_channel in held else "link.by_latest")
    now = t("link.now", channel=where, why=why)
    if len(held) < 2:
        return Reply(f"{now}\n{t('link.only_one')}", choices=(menu_choice(),))
    return channel_question(held, f"{now}\n{t('link.change')}")


async def choose(ctx: Context, pressed: ChooseChannel) -> Replies:
    """Send notifications to this channel from now on."""
    held = await linking.private_channels(ctx.session, ctx.person.id)
    if not await linking.set_preferred(ctx.session, ctx.person, pressed.channel, held):
        raise UserError(t("link.no_chat_there"))
    text = t("link.saved", channel=channel_name(pressed.channel))
    return Reply(text, choices=(menu_choice(),))


async def latest(ctx: Context) -> Replies:
    """Send notifications to whichever chat the person used last."""
    held = await linking.private_channels(ctx.session, ctx.person.id)
    await linking.set_preferred(ctx.session, ctx.person, None, held)
    return Reply(t("link.saved_latest"), choices=(menu_choice(),))

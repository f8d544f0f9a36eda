"""/sodienthoai: a person leaves (or removes) their own phone number, after reading what for.

The number lets the bot recognise a citizen whose household a volunteer helps (the household
card holds the same number), so the satisfaction survey can ask them; nothing else reads it.
"""

from __future__ import annotations

from bot.actions.my_phone import EnterMyPhone, ForgetMyPhone
from bot.core.actions import menu_choice
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Invalid, Next, Step
from bot.core.messages import Replies, Reply
from bot.locales import t
from bot.services import people
from bot.services.households import normalize_phone
from bot.services.privacy import mask_phone


class Typing(FlowData):
    pass


async def show(ctx: Context) -> Replies:
    """What the number is for, the number kept (masked), and the ways to change it."""
    ctx.end_flow()
    kept = ctx.person.phone
    status = t("my_phone.kept", phone=mask_phone(kept)) if kept else t("my_phone.none_kept")
    enter = t("my_phone.change_button" if kept else "my_phone.enter_button")
    choices = [EnterMyPhone().button(enter)]
    if kept:
        choices.append(ForgetMyPhone().button(t("my_phone.forget_button")))
    return Reply(f"{t('my_phone.why')}\n\n{status}", choices=(*choices, menu_choice()))


async def enter(ctx: Context) -> Replies:
    """Ask for the number."""
    return await TYPE_PHONE.start(ctx, Typing(), "phone")


async def ask_phone(ctx: Context, data: Typing) -> Reply:
    return Reply(t("my_phone.ask"), choices=(menu_choice(),))


async def read_phone(ctx: Context, data: Typing, answer: Answer) -> Next:
    try:
        phone = normalize_phone(answer.text)
    except DomainError:
        phone = None
    if phone is None:
        raise Invalid(t("my_phone.bad"))
    await people.set_own_phone(ctx.session, ctx.person, phone)
    return Done(Reply(t("my_phone.saved", phone=mask_phone(phone)), choices=(menu_choice(),)))


TYPE_PHONE = Flow(
    "my_phone",
    Typing,
    {"phone": Step(ask_phone, read_phone)},
    texts=FlowTexts(stale="my_phone.stale"),
)


async def forget(ctx: Context) -> Replies:
    """Remove the number kept."""
    ctx.end_flow()
    if ctx.person.phone is None:
        return Reply(t("my_phone.nothing_to_forget"), choices=(menu_choice(),))
    await people.set_own_phone(ctx.session, ctx.person, None)
    return Reply(t("my_phone.forgotten"), choices=(menu_choice(),))

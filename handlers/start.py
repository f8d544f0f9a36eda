"""/start (with deep links), /menu, /help and /cancel."""

from __future__ import annotations

from bot.core.context import Context, UserError
from bot.core.messages import Reply
from bot.core.registry import Registry, Replies, menu_choice
from bot.locales import t


async def main_menu(ctx: Context, text: str | None = None) -> Reply:
    """The main menu for this person's roles, with their personal shortcuts first."""
    registry = ctx.services.registry
    personal = [choice for hook in registry.menu_hooks for choice in await hook(ctx)]
    choices = (*personal, *registry.menu_for(ctx.roles))
    return Reply(text or t("start.menu_prompt"), choices=choices, columns=1)


async def start(ctx: Context) -> Replies:
    """Greet, show the consent notice and the menu; follow a deep link when there is one."""
    ctx.end_flow()
    if ctx.args:
        return await follow_deep_link(ctx, ctx.args[0])
    name = ctx.person.display_name or t("start.anonymous")
    greeting = t("start.greeting", name=name, commune=ctx.services.settings.commune.name)
    return await main_menu(ctx, f"{greeting}\n\n{t('start.consent')}\n\n{t('start.menu_prompt')}")


async def follow_deep_link(ctx: Context, link: str) -> Replies:
    """/start <prefix>-<value>: the part after the first dash goes to the handler."""
    prefix, _, value = link.partition("-")
    route = ctx.services.registry.deep_links.get(prefix)
    if route is None or not value:
        return await main_menu(ctx, t("start.unknown_deep_link"))
    if not route.allows(ctx.roles):
        return await main_menu(ctx, t("errors.not_allowed"))
    ctx.args = [value]
    try:
        return await route.handler(ctx)
    except UserError:
        return await main_menu(ctx, t("start.unknown_deep_link"))


async def menu(ctx: Context) -> Replies:
    """Show the main menu."""
    ctx.end_flow()
    return await main_menu(ctx)


async def help_command(ctx: Context) -> Replies:
    """Explain what the bot can do."""
    text = t("help.text") + (t("help.staff") if ctx.is_staff else "")
    return Reply(text, choices=(menu_choice(),))


async def cancel(ctx: Context) -> Replies:
    """Leave whatever flow the person is in."""
    was_busy = ctx.state.flow is not None
    ctx.end_flow()
    return await main_menu(ctx, t("cancel.done") if was_busy else t("cancel.nothing"))


def register(registry: Registry) -> None:
    registry.command("start", start, description="Bắt đầu, xem danh mục")
    registry.command("menu", menu, description="Danh mục chính")
    registry.command("help", help_command, description="Hướng dẫn sử dụng")
    registry.command("cancel", cancel, description="Dừng việc đang làm")
    registry.choice("menu", menu)
    registry.choice("help", help_command)
    registry.menu(t("menu.help"), "help")

"""The `dvcbot` command line.

Only the module of the command asked for is imported (`COMMANDS`), so `dvcbot ask` and
`--help` of one command do not load the database layer, the web server or the report libraries;
`bot.cli.cli` (for tests and tools) has every command.
"""

from __future__ import annotations

import json
import sys
from importlib import import_module
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import refuse, settings_from, setup_logging
from bot.config import ConfigError, load_settings

cli = typer.Typer(
    help="dvcbot: public-service help bot and volunteer coordinator for communes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each command: the module defining it and its name there (a Typer group or a function), in the
# order `dvcbot --help` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("bot.cli.chat", "run"),
    "chat": ("bot.cli.chat", "chat"),
    "db": ("bot.cli.database", "db_cli"),
    "communes": ("bot.cli.communes", "communes_cli"),
    "villages": ("bot.cli.places", "villages_cli"),
    "locations": ("bot.cli.places", "locations_cli"),
    "invite": ("bot.cli.places", "invite"),
    "import": ("bot.cli.households", "import_cli"),
    "export": ("bot.cli.households", "export_cli"),
    "report": ("bot.cli.reports", "report_cli"),
    "shifts": ("bot.cli.shifts", "shifts_cli"),
    "targets": ("bot.cli.targets", "targets_cli"),
    "serve": ("bot.cli.serve", "serve"),
    "webhook": ("bot.cli.serve", "webhook_cli"),
    "poster": ("bot.cli.posters", "poster"),
}
CONFIG_FLAGS = ("--config", "-c")
_registered: set[str] = set()


def register(names: list[str]) -> None:
    """Add these commands to `cli`, importing their modules; each name once."""
    for name in names:
        if name in _registered:
            continue
        module, attribute = COMMANDS[name]
        found = getattr(import_module(module), attribute)
        if isinstance(found, typer.Typer):
            cli.add_typer(found, name=name)
        else:
            cli.command(name)(found)
        _registered.add(name)


def wanted(args: list[str]) -> list[str]:
    """The commands a command line needs: the one it names, else all (help, a typo)."""
    rest = iter(args)
    for arg in rest:
        if arg in CONFIG_FLAGS:
            next(rest, None)
        elif not arg.startswith("-"):
            return [arg] if arg in COMMANDS else ([] if arg == "ask" else list(COMMANDS))
    return list(COMMANDS)


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Path to config.toml (default: $DVCBOT_CONFIG, then ./config.toml if present).",
    ),
]


@cli.callback()
def main_options(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Read the configuration once for every command."""
    try:
        ctx.obj = load_settings(config)
    except ConfigError as problem:
        refuse(problem)


@cli.command()
def ask(
    ctx: typer.Context,
    question: Annotated[
        str | None, typer.Argument(help="The question; without it, one question per input line.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per line.")
    ] = False,
) -> None:
    """Show which guide the bot would answer a question with (no database needed)."""
    from bot.content.catalog import load_catalog
    from bot.services.guides.matching import GuideMatcher

    settings = settings_from(ctx)
    setup_logging(settings, quiet=True)
    catalog = load_catalog(settings.content.guides_dir)
    matcher = GuideMatcher.from_catalog(catalog)
    questions = [question] if question is not None else (line.rstrip("\n") for line in sys.stdin)
    for text in questions:
        match = matcher.match(text)
        if as_json:
            result = {
                "question": text,
                "guide": match.guide_id,
                "score": round(match.score, 4),
                "alternatives": list(match.alternatives),
            }
            typer.echo(json.dumps(result, ensure_ascii=False))
        else:
            guide = catalog.get(match.guide_id) if match.guide_id else None
            title = guide.title if guide else "— ngoài phạm vi hỗ trợ"
            others = f"  (hoặc: {', '.join(match.alternatives)})" if match.alternatives else ""
            typer.echo(f"{match.guide_id or 'none'}  {match.score:.2f}  {title}{others}")


def main() -> None:
    register(wanted(sys.argv[1:]))
    cli(prog_name="dvcbot")

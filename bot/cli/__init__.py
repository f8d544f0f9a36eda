"""The `dvcbot` command line: the root commands and one module per group of commands."""

from __future__ import annotations

from typing import Any

from bot.cli.root import main

__all__ = ["cli", "main"]


def __getattr__(name: str) -> Any:
    """`bot.cli.cli`: the Typer app with every command (for tests and tools)."""
    if name == "cli":
        from bot.cli.root import COMMANDS, cli, register

        register(list(COMMANDS))
        return cli
    raise AttributeError(name)

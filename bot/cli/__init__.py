"""The `dvcbot` command line: the root commands and one module per group of commands."""

from bot.cli.root import cli, main

__all__ = ["cli", "main"]

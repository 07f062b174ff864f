"""Registers the command modules that exist; each stage's commands live in their own module."""

from __future__ import annotations

import importlib

COMMAND_MODULES = ("status", "values", "expect", "facts", "lint", "rules", "impact", "live")


def register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            importlib.import_module(f"ciliumdrift.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"ciliumdrift.cli.{name}":
                raise

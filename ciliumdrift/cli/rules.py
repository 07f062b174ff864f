"""``ciliumdrift rules [ID]``: the lint rules, or one rule's documentation."""

# No ``from __future__ import annotations``: typer evaluates the annotations (cli/check.py).

from typing import Annotated

import typer

from ciliumdrift.cli._common import emit, fail, run
from ciliumdrift.lint.docs import rule_text, rules_markdown, rules_table
from ciliumdrift.lint.rules import RULES, find_rule

#: The command on its own; the root command loads this module only to run it (cli.COMMANDS).
app = typer.Typer(add_completion=False)


@app.command("rules")
def rules_command(
    rule_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="A rule code or name.")
    ] = None,
    *,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print docs/rules.md.")] = False,
) -> None:
    """List the lint rules, or print one rule's documentation."""

    def body() -> int:
        if rule_id is None:
            emit(rules_markdown(RULES) if markdown else rules_table(RULES))
            return 0
        found = find_rule(rule_id)
        if found is None:
            fail(f"unknown rule {rule_id!r} (see `ciliumdrift rules`)")
        emit(rule_text(found))
        return 0

    run(body)

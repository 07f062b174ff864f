"""``ciliumdrift facts [ID]``: the facts ciliumdrift derives, or one fact's documentation."""

# No ``from __future__ import annotations``: typer evaluates the annotations (cli/check.py).

from typing import Annotated

import typer

from ciliumdrift.agent.docs import fact_markdown, facts_markdown, health_markdown
from ciliumdrift.agent.facts import FACTS, HEALTH, fact_by_id
from ciliumdrift.cli._common import emit, fail, run

#: The command on its own; the root command loads this module only to run it (cli.COMMANDS).
app = typer.Typer(add_completion=False)


@app.command("facts")
def facts_command(
    fact_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="A fact ID.")] = None,
    *,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print docs/facts.md.")] = False,
) -> None:
    """List the status lines ciliumdrift derives, or print one fact's documentation."""

    def body() -> int:
        if fact_id is None:
            if markdown:
                emit(facts_markdown())
            else:
                width = max(len(f.id) for f in FACTS)
                emit("\n".join(f"{f.id:<{width}}  {f.status_line}: {f.summary}" for f in FACTS))
            return 0
        health = [h for h in HEALTH if h.id == fact_id]
        try:
            shown = [fact_markdown(fact_by_id(fact_id))]
        except KeyError:
            shown = []
        # a health fact: a status line no config decides (or the health side of a fact's line)
        shown += [health_markdown(h, shared=bool(shown)) for h in health]
        if not shown:
            fail(f"unknown fact {fact_id!r} (see `ciliumdrift facts`)")
        emit("\n".join(shown))
        return 0

    run(body)

"""``ciliumdrift facts [ID]``: the facts ciliumdrift derives, or one fact's documentation."""

from __future__ import annotations

from typing import Annotated

import typer

from ciliumdrift.agent.docs import fact_markdown, facts_markdown
from ciliumdrift.agent.facts import FACTS, fact_by_id
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
        try:
            found = fact_by_id(fact_id)
        except KeyError:
            fail(f"unknown fact {fact_id!r} (see `ciliumdrift facts`)")
        emit(fact_markdown(found))
        return 0

    run(body)

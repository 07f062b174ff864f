"""Round trip: a generated Status, rendered as the agent's version would print it, parses back
to the same model; and again after what pasting does to text."""

from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ciliumdrift.parse import _parse
from ciliumdrift.parse.labels import TOP_LABELS
from ciliumdrift.parse.model import Status
from tests.parse.render import render
from tests.parse.strategies import Case, statuses

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _typed(status: Status) -> Status:
    """What the text says, without where it stood (line numbers, warnings, source)."""
    return replace(status, lines=(), diagnostics=(), source=None, format="", truncated=False)


def _expected(case: Case) -> Status:
    status = case.status
    local = (
        next((n for n in status.cluster_health.nodes if n.localhost), None)
        if status.cluster_health
        else None
    )
    return _typed(replace(status, node=local.name if local else None))


def _format(case: Case) -> str:
    rows = case.status.controllers.controllers if case.status.controllers else ()
    verbose = case.verbose and (
        (case.status.ipam is not None and bool(case.status.ipam.allocated))
        or case.status.clock_source is not None
        or case.status.kpr_details is not None
        or (case.status.bpf_maps is not None and case.status.bpf_map_sizing is not None)
        or (bool(rows) and all(r.failure_count == 0 for r in rows))
    )
    return "text-verbose" if verbose else "text"


def _check(case: Case, text: str) -> None:
    parsed = _parse(text, "<case>")
    unread = [d for d in parsed.diagnostics if d.code != "status-skipped-line"]
    assert unread == [], "\n".join(map(str, unread)) + "\n" + text
    assert _typed(parsed) == _expected(case), text
    assert parsed.format == _format(case)
    assert not parsed.truncated


@SETTINGS
@given(statuses())
def test_rendered_status_parses_back(case: Case) -> None:
    _check(case, render(case.status, case.version, verbose=case.verbose))


def _rewrap(text: str, width: int) -> str:
    """A chat tool: long status lines broken at a space run before ``width``, runs dropped."""
    out = []
    for line in text.split("\n"):
        label = line.partition(":")[0]
        while len(line) > width and label in TOP_LABELS:
            head_end = len(label) + 1
            breaks = [m for m in re.finditer(r" +", line) if head_end <= m.start() <= width]
            if not breaks:
                break
            cut = breaks[-1]
            if not line[cut.end() :].strip():
                break
            out.append(line[: cut.start()])
            line = line[cut.end() :]
            label = ""
        out.append(line)
    return "\n".join(out)


MUTATIONS = {
    "crlf": lambda text, width: text.replace("\n", "\r\n"),
    "kubectl-prefix": lambda text, width: (
        'Defaulted container "cilium-agent" out of: cilium-agent, config (init), '
        "mount-cgroup (init), apply-sysctl-overwrites (init)\n" + text
    ),
    "trailing-spaces-trimmed": lambda text, width: "".join(
        f"{line.rstrip()}\n" for line in text.splitlines()
    ),
    "shell-comment": lambda text, width: "".join(f"# {line}\n" for line in text.splitlines()),
    "markdown-indent": lambda text, width: "".join(f"    {line}\n" for line in text.splitlines()),
    "markdown-fence": lambda text, width: (
        "Here is my status:\n\n```\n" + text + "```\nwhat is wrong?\n"
    ),
    "chat-rewrap": _rewrap,
}


@SETTINGS
@given(
    statuses(),
    st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3, unique=True),
    st.integers(60, 140),
)
def test_pasted_status_parses_back(case: Case, mutations: list[str], width: int) -> None:
    text = render(case.status, case.version, verbose=case.verbose)
    # Re-wrapping happens to the text as shown, so it comes before decorations are added.
    for name in sorted(mutations, key=lambda m: m != "chat-rewrap"):
        text = MUTATIONS[name](text, width)
    _check(case, text)

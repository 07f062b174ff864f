"""The HTML fleet report, opened in a real headless Chromium: what a person sees."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakecluster import FakeCluster, Fault, make_agents, statuses
from tests.live.browser import CHROMIUM, INSTALL_HINT, open_page
from tests.live.conftest import SEED_ARGS

Start = Callable[..., tuple[FakeCluster, Path]]
Cli = Callable[..., tuple[int, str, str]]


def drifting_fleet(count: int = 40) -> list:  # type: ignore[type-arg]
    agents = make_agents(count)
    for agent in agents[5:8]:  # three nodes run veth instead of netkit
        agent.status = statuses.with_changes(agent.status, {"datapath-mode": "veth"})
    agents[9].fault = Fault.CRASHLOOP
    return agents


def html_report(fake_cluster: Start, run_cli: Cli, tmp_path: Path) -> Path:
    _, kubeconfig = fake_cluster(drifting_fleet())
    code, out, err = run_cli(
        "live", *SEED_ARGS, "--kubeconfig", str(kubeconfig), "--format", "html"
    )
    assert code == 1, err
    path = tmp_path / "report.html"
    path.write_text(out, encoding="utf-8")
    return path


def test_html_is_one_self_contained_file(fake_cluster: Start, run_cli: Cli, tmp_path: Path) -> None:
    text = html_report(fake_cluster, run_cli, tmp_path).read_text()
    assert text.startswith("<!doctype html>")
    # no network resource of any kind: no external script, style, image, font or frame
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", text, re.I)
    assert "@import" not in text and "url(" not in text
    assert 'id="matrix"' in text and 'id="findings"' in text


def test_every_input_string_is_escaped() -> None:
    from ciliumdrift.model import Finding, FindingKind, Report, Row, Severity, Verdict
    from ciliumdrift.report.html import render

    evil = '<img src=x onerror="alert(1)">'
    report = Report(
        rows=(Row("device-mode", "Device Mode", evil, "netkit", evil, Verdict.MISMATCH, None),),
        findings=(
            Finding(
                "device-mode",
                "Device Mode",
                evil,
                FindingKind.DRIFT,
                "netkit",
                evil,
                None,
                f"Device Mode: expected 'netkit', observed {evil!r}",
                severity=Severity.ERROR,
            ),
        ),
        inputs={"values": [f"</script>{evil}"]},
    )
    text = render(report)
    assert "<img" not in text and "</script><img" not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text
    data = text.split('id="data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data  # the embedded JSON cannot close its element


@pytest.mark.skipif(CHROMIUM is None, reason=INSTALL_HINT)
def test_a_person_sees_the_fleet_and_can_filter_it(
    fake_cluster: Start, run_cli: Cli, tmp_path: Path
) -> None:
    path = html_report(fake_cluster, run_cli, tmp_path)
    with open_page(path.as_uri(), tmp_path / "chromium-profile") as page:
        page.screenshot(tmp_path / "report.png")
        summary = page.js("document.querySelector('#summary').innerText")
        assert "40 node(s)" in summary and "3 with drift" in summary and "1 unreachable" in summary
        headers = page.js("[...document.querySelectorAll('#matrix th.group')].map(t=>t.innerText)")
        counts = sorted(int(re.search(r"([\d,]+) node", h).group(1)) for h in headers)
        assert counts == [3, 36]  # the healthy nodes and the veth nodes, as two columns
        drift_rows = page.js(
            "[...document.querySelectorAll('#matrix tr.drift')].map(r=>r.innerText)"
        )
        assert len(drift_rows) == 1 and "Device Mode" in drift_rows[0] and "veth" in drift_rows[0]
        # nothing was fetched from anywhere
        assert page.js("performance.getEntriesByType('resource').length") == 0
        # the filter: by status line ...
        visible = (
            "[...document.querySelectorAll('#matrix tbody tr')]"
            ".filter(r=>!r.classList.contains('hidden')).map(r=>r.cells[0].innerText)"
        )
        total = len(page.js(visible))
        page.js(
            "{const f=document.querySelector('#filter');f.value='device';"
            "f.dispatchEvent(new Event('input'))}"
        )
        shown = page.js(visible)
        assert len(shown) == 1 and shown[0].startswith("Device Mode") and total > 10
        # ... by node: a drifting node's lines are all shown, the findings narrow to it
        page.js(
            "{const f=document.querySelector('#filter');f.value='node-006';"
            "f.dispatchEvent(new Event('input'))}"
        )
        assert len(page.js(visible)) == total
        findings = page.js(
            "[...document.querySelectorAll('#findings tbody tr')]"
            ".filter(r=>!r.classList.contains('hidden')).map(r=>r.cells[1].innerText)"
        )
        assert findings == ["Device Mode"]
        page.screenshot(tmp_path / "filtered.png")
        # ... and by cause
        page.js(
            "{const f=document.querySelector('#filter');f.value='';"
            "f.dispatchEvent(new Event('input'));"
            "const c=document.querySelector('#cause');c.value=c.options[1].value;"
            "c.dispatchEvent(new Event('input'))}"
        )
        assert 1 <= len(page.js(visible)) < total
        # one click from the drifting cell to its explanation
        page.js("document.querySelector('#matrix a.explain').click()")
        opened = page.js(
            "[...document.querySelectorAll('#findings details')].filter(d=>d.open)"
            ".map(d=>d.innerText)"
        )
        assert len(opened) == 1 and "veth" in opened[0] and "node-005" in opened[0]
        # a group's members open on demand
        page.js("document.querySelector('#groups details').open=true")
        time_members = page.js("document.querySelectorAll('#groups details .members li').length")
        assert time_members == 36
    assert (tmp_path / "report.png").stat().st_size > 10_000

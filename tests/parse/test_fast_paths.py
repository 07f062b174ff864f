"""The parser's shortcuts read what the general path reads; the defects they fixed stay fixed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciliumdrift.errors import StatusParseError
from ciliumdrift.parse import parse_status, text
from ciliumdrift.parse.model import Status, StatusLine, build_status
from ciliumdrift.parse.prepare import LineTable, prepare
from ciliumdrift.parse.values import (
    api_list,
    bandwidth_manager,
    device_entries,
    hubble,
    masquerading,
)
from tests.parse.test_formats import BRIEF_118, PAYLOAD

SEED = Path(__file__).resolve().parents[2] / "examples" / "talos-netkit-native" / "status.txt"


def test_build_status_equals_the_constructor() -> None:
    fields = {"format": "text", "source": "s", "device_mode": "netkit", "truncated": True}
    assert build_status(dict(fields)) == Status(**fields)  # type: ignore[arg-type]
    assert build_status(dict(fields)).__dict__ == Status(**fields).__dict__  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        build_status({"format": "text", "no_such_field": 1})


def test_fast_status_line_equals_the_constructor() -> None:
    made = text._status_line("KVStore", "Disabled", 3)
    assert made == StatusLine("KVStore", "Disabled", 3)
    assert hash(made) == hash(StatusLine("KVStore", "Disabled", 3))


def test_line_table_makes_lines_on_demand() -> None:
    prepared = prepare("KVStore:   Ok\n  Name   x\n\nCilium:   Ok\n", "s")
    lines = prepared.lines
    assert isinstance(lines, LineTable)
    assert [line.text for line in lines] == ["KVStore:   Ok", "Name   x", "", "Cilium:   Ok"]
    assert (lines[1].indent, lines[1].column, lines[-1].number) == (2, 3, 4)
    assert [line.number for line in lines[1:3]] == [2, 3]
    # Indented, decorated or fenced pastes take the general path.
    assert not isinstance(prepare("  KVStore: Ok\n", "s").lines, LineTable)
    assert not isinstance(prepare("# KVStore: Ok\n", "s").lines, LineTable)


def test_remembered_lines_read_the_same_as_fresh_ones() -> None:
    seed = SEED.read_text(encoding="utf-8")
    first, second, third = (parse_status(seed, source="s") for _ in range(3))
    assert first == second == third
    saved = text._REMEMBER_MAX_VALUE
    text._REMEMBER_MAX_VALUE = -1
    try:
        assert parse_status(seed, source="s") == first
    finally:
        text._REMEMBER_MAX_VALUE = saved
    assert len(text._REMEMBERED) <= text._REMEMBER_LIMIT


def test_line_memory_is_bounded() -> None:
    for index in range(text._REMEMBER_LIMIT * 2 + 10):
        parse_status(f"KVStore:   Ok   etcd-{index}\n", source="s")
        parse_status(f"KVStore:   Ok   etcd-{index}\n", source="s")
    assert len(text._REMEMBERED) <= text._REMEMBER_LIMIT
    assert len(text._SEEN_ONCE) <= text._REMEMBER_LIMIT


def test_json_fast_path_equals_the_general_path() -> None:
    document = json.dumps(PAYLOAD, indent=2, sort_keys=True)
    fast = parse_status(document, source="s.json")
    # A kubectl notice in front sends the same JSON through the general path.
    general = parse_status('Defaulted container "cilium-agent"\n' + document, source="s.json")
    assert replace(general, diagnostics=()) == fast


def test_json_fast_path_warnings_have_their_line() -> None:
    document = json.dumps({"cilium": {"state": "Ok"}, "kvstore": [1]}, indent=2)
    status = parse_status(document, source="s.json")
    warning = next(d for d in status.diagnostics if "kvstore" in d.message)
    assert warning.position is not None and warning.position.line == 5


def test_invalid_json_still_reports_its_position() -> None:
    with pytest.raises(StatusParseError, match=r"s\.json:4:1: not valid JSON"):
        parse_status('{\n  "cilium": {"state": "Ok"},\n  "kvstore": \n}', source="s.json")


def test_prompts_are_commands_not_json() -> None:
    for prompt in (
        "[root@ctrl01 ~]# kubectl exec -n kube-system cilium-lrtwc -- cilium status",
        "➜  ~ kubectl -n kube-system exec ds/cilium -- cilium status",
        "➜  ~ git:(main) ✗ kubectl -n kube-system exec ds/cilium -- cilium-dbg status",
        "/home/cilium # cilium status",
        "watch -n1 kubectl -n kube-system exec ds/cilium -- cilium status",
    ):
        status = parse_status(prompt + "\n" + BRIEF_118, source="s")
        assert status.format == "text", prompt
        codes = [d.code for d in status.diagnostics]
        assert codes == ["status-skipped-line"], prompt
    # A node called "watch" or "export" in a health row is still a node.
    assert text.is_command("watch   10.0.0.1   reachable   reachable") is False
    assert text.is_command("export   10.0.0.1   reachable   reachable") is False
    with pytest.raises(StatusParseError, match="not an object"):
        parse_status('[{"x": 1}]', source="s")  # a JSON array is still read as JSON


def test_chat_rewrap_at_a_width_three_lines_share_is_not_a_terminal_wrap() -> None:
    """A chat tool breaks at spaces; three lines that happen to end at the widest width must
    not make the parser glue the words of every wrapped line together."""
    wrapped = (
        "KVStore:                Ok   Disabled\n"
        "CNI Config file:        successfully wrote CNI configuration\n"
        "file to /host/etc/cni/net.d/05-cilium.conflist\n"
        "NodeMonitor:            Listening for events on 10 CPUs with\n"
        "64x4096 of shared memory\n"
        "Masquerading:           BPF   []   1.0.0.0/8 [IPv4: Enabled,\n"
        "IPv6: Disabled]\n"
        "Proxy Status:            OK, ip 0.0.0.0, 0 redirects active\n"
        "on ports 10000-20000, Envoy: embedded\n"
    )
    status = parse_status(wrapped, source="s")
    assert status.cni_config == (
        "successfully wrote CNI configuration file to /host/etc/cni/net.d/05-cilium.conflist"
    )
    assert status.proxy is not None and status.proxy.port_range == "10000-20000"
    assert status.node_monitor is not None and status.node_monitor.cpus == 10


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="0123456789²³¹٣۵ /healthy,()[]:.x", max_size=40))
def test_digits_that_int_cannot_read_never_crash(value: str) -> None:
    status = parse_status(
        f"Controller Status:   {value}\nIPv4 BIG TCP:   Enabled   [{value}]\n"
        f"Proxy Status:   OK, ip 1.1.1.1, 0 redirects active on ports 1-2\n"
        f"  Protocol   Redirect   Proxy Port\n  http   x   {value}\n",
        source="s",
    )
    assert status.controllers is not None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('["a", "b"]', ("a", "b")),
        ('[""]', ()),
        ('["a","b"]', ("a", "b")),  # no space after the comma: the general path
        ('["a \\" b", "c"]', ('a \\" b', "c")),
    ],
)
def test_api_list_shortcut_and_general_path(value: str, expected: tuple[str, ...]) -> None:
    assert api_list(value, []) == expected


def test_reader_shortcuts_match_the_documented_readings() -> None:
    assert bandwidth_manager("EDT with BPF [BBR]", []).congestion_control == "BBR"
    assert bandwidth_manager("EDT with BPF [BBR]", []).devices == ()
    assert bandwidth_manager("EDT with BPF   [eth0, eth1]", []).devices == ("eth0", "eth1")
    agent = masquerading(
        "BPF (ip-masq-agent)   [eth0]   10.0.0.0/8  [IPv4: Enabled, IPv6: Disabled]", []
    )
    assert agent.ip_masq_agent and agent.devices == ("eth0",) and agent.cidrs == ("10.0.0.0/8",)
    assert masquerading("BPF[IPv4: Enabled, IPv6: Enabled]", []).ipv6 is True
    problems: list[str] = []
    assert device_entries("(Direct Routing)", problems) == () and problems
    assert device_entries("  ", []) == ()
    one = device_entries("eth0 x(Direct Routing)", [])
    assert one[0].addresses == ("x",) and one[0].direct_routing
    state = hubble("Ok   Current/Max Flows: 1/2 (50.00%), Flows/s: 1.00   Metrics: Ok", [])
    assert (state.fill_percent, state.metrics_state, state.message) == (50.0, "Ok", "")


def test_controller_rows_wrapped_by_a_chat_tool_are_joined() -> None:
    status = parse_status(
        "Controller Status:       15/16 healthy\n"
        "  Name                    Last success   Last error   Count   Message\n"
        "  sync-host-ips (42)      never          2s ago       7       unable to sync:\n"
        "timeout waiting for the apiserver\n"
        "  k8s-heartbeat           3s ago         never        0       no error\n",
        source="s",
    )
    assert status.controllers is not None
    rows = status.controllers.controllers
    assert [row.name for row in rows] == ["sync-host-ips (42)", "k8s-heartbeat"]
    assert rows[0].message == "unable to sync: timeout waiting for the apiserver"
    assert [d.code for d in status.diagnostics] == []

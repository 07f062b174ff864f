"""The agent-log parser on real log lines from public threads (each test names its source)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ciliumdrift.parse.agentlog import parse_agent_log, parse_entry, refusals

# https://github.com/hcloud-talos/terraform-hcloud-talos/issues/119 (logrus logfmt, 1.16)
XDP_KUBESPAN = (
    'time="2024-10-30T11:52:04Z" level=fatal msg="Failed to compile XDP program" '
    'error="attaching XDP program to interface kubespan: interface kubespan: attaching program '
    'cil_xdp_entry using bpf_link: create link: operation not supported" subsys=datapath-loader'
)
# https://github.com/cilium/cilium/issues/44198 (slog text, 1.19)
EGRESS_VXLAN = (
    'level=warn msg="Failed to initialize datapath, retrying later" '
    'module=agent.datapath.orchestrator error="failed to setup vxlan tunnel device: setting up '
    'GSO/GRO on VXLAN netdev: invalid argument" retryDelay=10s'
)
# https://github.com/cilium/cilium/issues/33455 (kubectl logs output with the container notice)
BANDWIDTH_KIND = (
    'Defaulted container "cilium-agent" out of: cilium-agent, config (init), mount-cgroup (init)\n'
    'time="2024-07-16T17:44:56Z" level=info msg="  --enable-bandwidth-manager=\'true\'" '
    "subsys=daemon\n"
    'time="2024-07-16T17:44:57Z" level=warning msg="BPF bandwidth manager could not read procfs. '
    'Disabling the feature." subsys=bandwidth-manager\n'
)
# https://github.com/cilium/cilium/pull/44041 (slog text with nanosecond times, 1.19)
SLOG_FLAG = (
    "time=2026-01-27T20:31:03.28718631Z level=info msg=\"  --enable-host-legacy-routing='false'\""
)
# https://github.com/cilium/cilium/issues/8980 (old bracketed format)
BRACKETED = (
    'WARN  [2019-08-20T20:10:55.071877466Z] cilium.io/agent: "Unable to flush Cilium iptables '
    'chain" error="exit status 1" subsys=iptables'
)


def test_logrus_fatal_line_keeps_message_error_and_level() -> None:
    entry, _ = parse_entry(XDP_KUBESPAN, 7)
    assert entry is not None
    assert (entry.line, entry.level, entry.message) == (7, "fatal", "Failed to compile XDP program")
    assert entry.field("subsys") == "datapath-loader"
    assert "operation not supported" in entry.text


def test_slog_warn_level_is_normalised_and_fields_are_kept() -> None:
    entry, _ = parse_entry(EGRESS_VXLAN, 1)
    assert entry is not None and entry.level == "warning"
    assert entry.field("module") == "agent.datapath.orchestrator"
    assert entry.field("retryDelay") == "10s"
    assert "GSO/GRO on VXLAN netdev" in entry.text


def test_kubectl_notice_is_skipped_and_flags_are_collected_with_lines() -> None:
    log = parse_agent_log(BANDWIDTH_KIND, source="agent.log")
    assert log.flag("enable-bandwidth-manager") == ("true", 2)
    assert [e.line for e in log.entries] == [3]
    found = refusals(log)
    assert [r.entry.line for r in found] == [3] and not found[0].fatal


def test_slog_flag_dump_is_read() -> None:
    log = parse_agent_log(SLOG_FLAG)
    assert log.flag("enable-host-legacy-routing") == ("false", 1)


def test_json_lines_are_read() -> None:
    line = json.dumps({"level": "warning", "msg": "Falling back", "subsys": "daemon", "n": 3})
    log = parse_agent_log(line + "\n")
    assert log.entries[0].level == "warning"
    assert log.entries[0].field("n") == "3"


def test_prefixes_of_kubectl_prefix_and_timestamps_are_stripped() -> None:
    text = f"[pod/cilium-x7k2p/cilium-agent] 2024-10-30T11:52:04.123456789Z {XDP_KUBESPAN}\n"
    log = parse_agent_log(text)
    assert log.pod == "cilium-x7k2p"
    assert log.entries[0].message == "Failed to compile XDP program"


def test_bracketed_old_format() -> None:
    entry, _ = parse_entry(BRACKETED, 1)
    assert entry is not None and entry.level == "warning"
    assert entry.message == "Unable to flush Cilium iptables chain"


def test_plain_line_without_shape_is_kept_with_unknown_level() -> None:
    # https://github.com/cilium/cilium/issues/46337 quotes only the error text.
    log = parse_agent_log(
        "failed to setup vxlan tunnel device: setting up GSO/GRO on VXLAN netdev: invalid argument"
    )
    assert log.entries[0].level == ""
    assert [r.entry.line for r in refusals(log)] == [1]


def test_a_large_log_is_read_from_its_start_only() -> None:
    text = (XDP_KUBESPAN + "\n") * 100
    log = parse_agent_log(text, limit=(len(XDP_KUBESPAN) + 1) * 10 + 5)
    assert log.truncated and len(log.entries) == 10


def test_info_lines_are_no_refusals() -> None:
    log = parse_agent_log('level=info msg="Falling back is not happening" subsys=daemon\n')
    assert refusals(log) == ()


@given(st.text(max_size=2000))
def test_any_text_parses_and_line_numbers_stay_in_range(text: str) -> None:
    log = parse_agent_log(text)
    assert all(1 <= e.line <= max(log.lines, 1) for e in log.entries)
    assert all(1 <= line <= max(log.lines, 1) for _, _, line in log.flags)


@given(
    st.sampled_from(["info", "warning", "error", "fatal"]),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters='"\\'),
        min_size=1,
        max_size=60,
    ),
)
def test_logfmt_message_round_trips(level: str, message: str) -> None:
    entry, _ = parse_entry(f'level={level} msg="{message}" subsys=daemon', 1)
    assert entry is not None and entry.level == level and entry.message == message


def test_pasted_smart_quotes_and_a_cut_line_still_parse() -> None:
    # cilium/cilium#21237 (typographic quotes) and cilium/cilium#33851 (a line cut when pasted).
    curly = (
        "level=info msg=\u201cBPF host routing requires kernel 5.10 or newer. Falling back to "
        "legacy host routing (enable-host-legacy-routing=true).\u201d subsys=daemon"
    )
    entry, _ = parse_entry(curly, 1)
    assert entry is not None and entry.message.startswith("BPF host routing requires kernel 5.10")
    cut, _ = parse_entry(
        'level=warning msg="BPF bandwidth manager could not read procfs. Disabling the feature.', 2
    )
    assert cut is not None and cut.level == "warning"
    assert cut.message == "BPF bandwidth manager could not read procfs. Disabling the feature."


def test_a_rule_install_failure_quoted_without_its_level_is_a_refusal() -> None:
    # cilium/cilium PR #36857 quotes the agent line from `msg=` on, its level cut off.
    log = parse_agent_log(
        'msg="Failed to install iptables rules" error="cannot install static proxy rules" '
        "subsys=iptables\n"
        'msg="Installing iptables rules" subsys=iptables\n'
    )
    assert [r.entry.line for r in refusals(log)] == [1]

"""Family 1: keys and schema. Is every key one the chart reads, with a value it accepts?"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from ciliumdrift.agent.keys import closest
from ciliumdrift.lint.rule import LintContext, Violation, rule
from ciliumdrift.lint.rules.hygiene import is_port_key, placeholder_in
from ciliumdrift.load.model import join_key, split_key
from ciliumdrift.load.written import YAML11_ONLY_BOOLEANS, Entry, value_of
from ciliumdrift.load.yaml import YamlNode
from ciliumdrift.model import Severity

_ABSENT = object()


@lru_cache(maxsize=16)
def _children(known: frozenset[str]) -> Mapping[str, frozenset[str]]:
    """Parent dotted key ('' for the top level) -> the names of its known child keys."""

    index: dict[str, set[str]] = {}
    for key in known:
        path = split_key(key)
        index.setdefault(join_key(path[:-1]), set()).add(path[-1])
    return {parent: frozenset(names) for parent, names in index.items()}


@lru_cache(maxsize=16)
def _by_name(known: frozenset[str]) -> Mapping[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for key in known:
        index.setdefault(split_key(key)[-1], []).append(key)
    return {
        name: tuple(sorted(keys, key=lambda k: (k.count("."), k))) for name, keys in index.items()
    }


def _removed_keys(ctx: LintContext) -> frozenset[str]:
    return frozenset(str(row["key"]) for row in ctx.data.get("removed", {}).get("keys", ()))


def unknown_entries(ctx: LintContext) -> tuple[tuple[Entry, str], ...]:
    """User keys the chart of this version does not read, topmost only, with the parent."""
    return _unknown_entries(ctx)


#: Unknown keys reported per document at most (a log file passed by mistake has thousands).
MAX_UNKNOWN_PER_DOCUMENT = 100

_UNKNOWN_CACHE: dict[int, tuple[LintContext, tuple[tuple[Entry, str], ...]]] = {}


def _unknown_entries(ctx: LintContext) -> tuple[tuple[Entry, str], ...]:
    # CD101 and CD102 both need this list: compute it once per lint run
    cached = _UNKNOWN_CACHE.get(id(ctx))
    if cached is not None and cached[0] is ctx:
        return cached[1]
    found = tuple(_walk_unknown(ctx))
    _UNKNOWN_CACHE.clear()
    _UNKNOWN_CACHE[id(ctx)] = (ctx, found)
    return found


def _walk_unknown(ctx: LintContext) -> Iterator[tuple[Entry, str]]:
    if ctx.known_keys is None:
        return
    children = _children(ctx.known_keys)
    removed = _removed_keys(ctx)
    passthrough = frozenset(ctx.data.get("enums", {}).get("passthrough_maps", ()))
    for doc in ctx.documents:
        reported: set[tuple[str, ...]] = set()
        for entry in doc.entries():
            path = entry.path
            if any(path[:i] in reported for i in range(1, len(path))):
                continue
            if len(reported) >= MAX_UNKNOWN_PER_DOCUMENT:
                break  # not a Cilium values file: the first ones make the point
            dotted = entry.dotted
            if dotted in ctx.known_keys:
                continue
            parent = join_key(path[:-1])
            if any(join_key(path[:i]) in ctx.open_maps for i in range(1, len(path))):
                continue
            if any(join_key(path[:i]) in removed for i in range(1, len(path) + 1)):
                continue
            if any(
                name in passthrough and join_key(path[: i + 1]) in ctx.known_keys
                for i, name in enumerate(path[:-1])
            ):
                continue  # a Kubernetes object the chart passes through (affinity, resources)
            if path[:-1] and not children.get(parent) and parent in ctx.known_keys:
                continue  # under a known leaf: free-form, or a type conflict CD103 reports
            reported.add(path)
            yield entry, parent


def _sibling_suggestion(ctx: LintContext, entry: Entry, parent: str) -> str | None:
    assert ctx.known_keys is not None
    return _close_sibling(ctx.known_keys, parent, entry.path[-1])


@lru_cache(maxsize=4096)
def _close_sibling(known: frozenset[str], parent: str, name: str) -> str | None:
    return closest(name, _children(known).get(parent, frozenset()))


def _misplaced_candidates(ctx: LintContext, entry: Entry) -> tuple[str, ...]:
    """Known keys of the same name and kind, the ones nearest the entry's parent first."""
    assert ctx.known_keys is not None
    found = _by_name(ctx.known_keys).get(entry.path[-1], ())
    children = _children(ctx.known_keys)
    user_map = entry.value.kind == "map"

    def is_map(key: str) -> bool:
        default = ctx.chart_default(key, _ABSENT)
        return isinstance(default, dict) if default is not _ABSENT else bool(children.get(key))

    # a candidate must take the same kind of value: `standalone: true` under loadBalancer
    # does not belong at hubble.ui.standalone, which is a map
    same_kind = [k for k in found if k != entry.dotted and is_map(k) == user_map]
    return tuple(sorted(same_kind, key=lambda k: -_shared_prefix(k, entry.path)))


def _shared_prefix(key: str, path: tuple[str, ...]) -> int:
    shared = 0
    for mine, theirs in zip(split_key(key), path[:-1], strict=False):
        if mine != theirs:
            break
        shared += 1
    return shared


#: More same-named keys than this, none of them under the entry's own top-level key: the
#: name is generic (``loadBalancer.enabled``) and says nothing about where it should go.
#: A misplaced *top-level* key (``podDisruptionBudget``) still lists the nearest ones.
_GENERIC_NAME = 3


def _misplaced(ctx: LintContext, entry: Entry) -> tuple[str, ...]:
    """The candidates CD102 names, or () when the key is simply unknown (CD101)."""
    candidates = _misplaced_candidates(ctx, entry)
    if not candidates:
        return ()
    nested = len(entry.path) > 1
    if (
        nested
        and len(candidates) > _GENERIC_NAME
        and _shared_prefix(candidates[0], entry.path) == 0
    ):
        return ()
    return candidates


def _with_parent(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


@rule(code="CD101", name="unknown-key", severity=Severity.ERROR, view=True)
def unknown_key(ctx: LintContext) -> Iterator[Violation]:
    """A key the chart of this Cilium version does not read (often a misspelling).

    ## Why
    The Cilium chart's schema allows extra keys, so `helm lint` and `helm install` accept a
    misspelled key and silently ignore it: the setting you wrote never reaches the agent and
    the chart default applies. Keys are case-sensitive (`cgroup.automount` is not
    `cgroup.autoMount`).

    ## Bad
    ```yaml
    cgroup:
      automount:
        enabled: false
    ```

    ## Good
    ```yaml
    cgroup:
      autoMount:
        enabled: false
    ```

    ## Fix
    Rename the key to the spelling the message suggests, or delete it. Keys under free-form
    maps (annotations, resources, nodeSelector, extraConfig) are not checked.
    """
    # Nor are keys under Kubernetes objects the chart passes through whole (`affinity`,
    # `podSecurityContext`...: `passthrough_maps` in data/lint/enums.yaml).
    for entry, parent in unknown_entries(ctx):
        suggestion = _sibling_suggestion(ctx, entry, parent)
        if suggestion is None and _misplaced(ctx, entry):
            continue  # CD102 reports it
        message = f"unknown key '{entry.dotted}' for Cilium {ctx.cilium_version}; Helm ignores it"
        fix = None
        if suggestion is not None:
            right = _with_parent(parent, suggestion)
            message += f"; did you mean '{right}'?"
            fix = f"rename '{entry.dotted}' to '{right}'"
        yield unknown_key.violation(ctx, message, entry.key.position, key=entry.dotted, fix=fix)


@rule(code="CD102", name="misplaced-key", severity=Severity.ERROR, view=True)
def misplaced_key(ctx: LintContext) -> Iterator[Violation]:
    """A real chart key written at the wrong level (a top-level `bbr`).

    ## Why
    A key that exists elsewhere in the chart but not at the level where it is written is
    ignored just like a typo, and it is harder to spot because the name is right. A
    top-level `bbr: true` does not enable BBR; `bandwidthManager.bbr` does.

    ## Bad
    ```yaml
    bandwidthManager:
      enabled: true
    bbr: true
    ```

    ## Good
    ```yaml
    bandwidthManager:
      enabled: true
      bbr: true
    ```

    ## Fix
    Move the key under the parent the message names.
    """
    # The nearest candidate comes first. A nested key whose name the chart uses in many
    # unrelated places (`loadBalancer.enabled`) is left to CD101: see _misplaced().
    for entry, parent in unknown_entries(ctx):
        if _sibling_suggestion(ctx, entry, parent) is not None:
            continue
        candidates = _misplaced(ctx, entry)
        if not candidates:
            continue
        shown = ", ".join(f"'{c}'" for c in candidates[:3]) + (", …" if len(candidates) > 3 else "")
        where = "a top-level key" if not parent else f"a key of '{parent}'"
        message = (
            f"'{entry.path[-1]}' is not {where} for Cilium {ctx.cilium_version}; Helm ignores "
            f"it. It belongs at {shown}"
        )
        yield misplaced_key.violation(
            ctx, message, entry.key.position, key=entry.dotted, fix=f"move it to {candidates[0]}"
        )


@rule(code="CD103", name="type-conflict", severity=Severity.ERROR)
def type_conflict(ctx: LintContext) -> Iterator[Violation]:
    """A scalar or list where the chart has a map, or a map where it has a scalar.

    ## Why
    Helm merges maps and replaces everything else. A scalar over a chart map drops every
    default below it (Helm warns `cannot overwrite table with non table`), and templates that
    read a sub-key then fail or see nothing; a map over a chart scalar is skipped
    (`skipped value … Not a table`).

    ## Bad
    ```yaml
    hubble: true
    ```

    ## Good
    ```yaml
    hubble:
      enabled: true
    ```

    ## Fix
    Write the map the chart expects (usually `<key>.enabled: true`).
    """
    for doc in ctx.documents:
        for entry in doc.entries():
            default = ctx.chart_default(entry.dotted, _ABSENT)
            if default is _ABSENT:
                continue
            value = entry.value
            if (
                isinstance(default, dict)
                and default
                and value.kind != "map"
                and value_of(value) is not None
            ):
                message = (
                    f"cannot overwrite table with non table for '{entry.dotted}': the chart "
                    "has a map here"
                )
                yield type_conflict.violation(ctx, message, value.position, key=entry.dotted)
            elif value.kind == "map" and default is not None and not isinstance(default, dict):
                message = (
                    f"'{entry.dotted}' is a map here but the chart has a "
                    f"{type(default).__name__} (Helm skips it: Not a table)"
                )
                yield type_conflict.violation(ctx, message, value.position, key=entry.dotted)


@rule(code="CD104", name="invalid-value", severity=Severity.ERROR, view=True)
def invalid_value(ctx: LintContext) -> Iterator[Violation]:
    """A value the agent rejects at start (`routingMode: natve`).

    ## Why
    The chart does not restrict the datapath mode strings, so an invalid value renders into
    `cilium-config` and the agent exits at start (`invalid routing mode`, `Invalid datapath
    mode`, `Invalid value for --bpf-lb-mode`).

    ## Bad
    ```yaml
    routingMode: natve
    ```

    ## Good
    ```yaml
    routingMode: native
    ipv4NativeRoutingCIDR: 10.244.0.0/16
    ```

    ## Fix
    Use one of the values the message lists.
    """
    for row in ctx.data.get("enums", {}).get("enums", ()):
        key = str(row["key"])
        since, until = row.get("since"), row.get("until")
        if not ctx.within(str(since) if since else None, str(until) if until else None):
            continue
        if not ctx.values.has(key):
            continue
        value = ctx.user(key)
        if value is None or isinstance(value, (dict, list)):
            continue
        text = _helm_text(value)
        allowed = [str(v) for v in row["values"]]
        if text in allowed or _is_placeholder(text):
            continue
        shown = ", ".join(repr(v) for v in allowed if v)
        removed = _removed_value(ctx, key, text)
        if removed:
            continue  # CD402 explains removed spellings
        message = f"'{key}: {text}' is not a value Cilium {ctx.cilium_version} accepts ({shown})"
        yield invalid_value.violation(ctx, message, ctx.value_at(key), key=key)


def _removed_value(ctx: LintContext, key: str, text: str) -> bool:
    return any(
        str(row["key"]) == key and text in [str(v) for v in row["values"]]
        for row in ctx.data.get("removed", {}).get("values", ())
    )


def _helm_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_placeholder(text: str) -> bool:
    return placeholder_in(text) is not None


@rule(code="CD105", name="boolean-as-string", severity=Severity.ERROR)
def boolean_as_string(ctx: LintContext) -> Iterator[Violation]:
    """A quoted `"true"`/`"false"` where the chart expects a boolean.

    ## Why
    In the chart's templates any non-empty string is true, so `"false"` turns a feature
    *on*; charts with a schema (1.16+) reject the string outright (`want boolean`).

    ## Bad
    ```yaml
    bpf:
      masquerade: "false"
    ```

    ## Good
    ```yaml
    bpf:
      masquerade: false
    ```

    ## Fix
    Remove the quotes.
    """
    for doc in ctx.documents:
        for entry in doc.entries():
            value = entry.value
            if not value.quoted or value.text.lower() not in {"true", "false"}:
                continue
            default = ctx.chart_default(entry.dotted)
            boolean_key = isinstance(default, bool) or (
                default is None and entry.path[-1] in {"enabled", "masquerade", "hostLegacyRouting"}
            )
            if not boolean_key:
                continue
            message = f"'{entry.dotted}' is the string \"{value.text}\", not a boolean"
            if value.text.lower() == "false":
                message += ": templates treat any non-empty string as true"
            yield boolean_as_string.violation(
                ctx,
                message,
                value.position,
                key=entry.dotted,
                fix=f"{entry.path[-1]}: {value.text.lower()}",
            )


@rule(code="CD106", name="yaml11-boolean", severity=Severity.WARNING)
def yaml11_boolean(ctx: LintContext) -> Iterator[Violation]:
    """`yes`, `no`, `on`, `off`, `y`, `n`: Helm reads these as booleans (YAML 1.1).

    ## Why
    Helm parses values with YAML 1.1 rules, where `on` and `yes` are `true`; editors,
    yamllint and most other tools use YAML 1.2, where they are strings. The same file means
    different things to different readers (and `on:` as a key becomes `"true"`).

    ## Bad
    ```yaml
    hubble:
      enabled: yes
    ```

    ## Good
    ```yaml
    hubble:
      enabled: true
    ```

    ## Fix
    Write `true`/`false`, or quote the word when you mean the string.
    """
    for doc in ctx.documents:
        for path, node in doc.scalars():
            if node.style is None and node.text in YAML11_ONLY_BOOLEANS:
                meaning = "true" if value_of(node) else "false"
                key = join_key(path) if path else None
                message = (
                    f"'{node.text}' is the boolean {meaning} to Helm (YAML 1.1) but a string "
                    "to YAML 1.2 tools"
                )
                yield yaml11_boolean.violation(ctx, message, node.position, key=key, fix=meaning)


@rule(code="CD107", name="duplicate-key", severity=Severity.WARNING)
def duplicate_key(ctx: LintContext) -> Iterator[Violation]:
    """The same key twice in one mapping: only the last one counts.

    ## Why
    A second `bpf:` block replaces the first one entirely instead of merging with it, so
    settings written in the first block silently disappear. Stricter YAML readers refuse
    the file.

    ## Bad
    ```yaml
    bpf:
      masquerade: true
    bpf:
      datapathMode: netkit
    ```

    ## Good
    ```yaml
    bpf:
      masquerade: true
      datapathMode: netkit
    ```

    ## Fix
    Merge the two blocks into one.
    """
    for doc in ctx.documents:
        if doc.root is None:
            continue
        for prefix, node in _maps(doc.root, ()):
            seen: dict[str, YamlNode] = {}
            for key, _ in node.entries:
                if key.kind != "scalar":
                    continue
                if key.text in seen:
                    first = seen[key.text].position
                    dotted = join_key((*prefix, key.text))
                    message = (
                        f"duplicate key '{dotted}' (first at line {first.line}); the later "
                        "one replaces it"
                    )
                    yield duplicate_key.violation(ctx, message, key.position, key=dotted)
                seen[key.text] = key


def _maps(node: YamlNode, prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], YamlNode]]:
    """Every mapping under ``node`` (each shared alias target once: it is one mapping)."""
    seen: set[int] = set()
    stack = [(prefix, node)]
    while stack:
        path, current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if current.kind == "map":
            yield path, current
            stack.extend(((*path, key.text), value) for key, value in reversed(current.entries))
        elif current.kind == "seq":
            stack.extend((path, item) for item in reversed(current.items))


_CIDR_KEYS = {
    "ipv4NativeRoutingCIDR": 4,
    "ipv6NativeRoutingCIDR": 6,
    "ipam.operator.clusterPoolIPv4PodCIDRList": 4,
    "ipam.operator.clusterPoolIPv6PodCIDRList": 6,
}


@rule(code="CD108", name="invalid-cidr", severity=Severity.ERROR)
def invalid_cidr(ctx: LintContext) -> Iterator[Violation]:
    """A CIDR setting that is not a CIDR of the right address family.

    ## Why
    The agent parses `ipv4NativeRoutingCIDR` and the cluster-pool CIDR lists at start and
    exits on a malformed value or an IPv6 prefix in an IPv4 setting.

    ## Bad
    ```yaml
    ipv4NativeRoutingCIDR: 10.244.0.0/33
    ```

    ## Good
    ```yaml
    ipv4NativeRoutingCIDR: 10.244.0.0/16
    ```

    ## Fix
    Write a prefix such as `10.244.0.0/16` (IPv4 settings) or `fd00::/104` (IPv6 settings).
    """
    for key, family in _CIDR_KEYS.items():
        value = ctx.user(key)
        if value is None or value == "":
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            text = str(item)
            if _is_placeholder(text):
                continue
            try:
                network = ipaddress.ip_network(text, strict=False)
            except ValueError:
                yield invalid_cidr.violation(
                    ctx, f"'{key}: {text}' is not a CIDR", ctx.value_at(key), key=key
                )
                continue
            if "/" not in text:
                yield invalid_cidr.violation(
                    ctx, f"'{key}: {text}' has no prefix length", ctx.value_at(key), key=key
                )
            elif network.version != family:
                message = (
                    f"'{key}: {text}' is an IPv{network.version} prefix in an IPv{family} setting"
                )
                yield invalid_cidr.violation(ctx, message, ctx.value_at(key), key=key)


@rule(code="CD109", name="null-deletes-default", severity=Severity.NOTE)
def null_deletes_default(ctx: LintContext) -> Iterator[Violation]:
    """An empty value (`key:`) that deletes the chart's default instead of setting it.

    ## Why
    Helm treats `null` as "remove this key": `devices:` left empty does not mean "no
    devices", it removes the chart's default and the template falls back to whatever it
    does when the key is missing.

    ## Bad
    ```yaml
    hubble:
      relay:
        enabled:
    ```

    ## Good
    ```yaml
    hubble:
      relay:
        enabled: false
    ```

    ## Fix
    Write the value you mean, or delete the line.
    """
    for doc in ctx.documents:
        for entry in doc.entries():
            if (
                entry.value.kind != "scalar"
                or value_of(entry.value) is not None
                or entry.value.style is not None
            ):
                continue
            default = ctx.chart_default(entry.dotted)
            if default is None or default == "" or default == {} or default == []:
                continue
            message = (
                f"'{entry.dotted}' is empty (null): Helm deletes the chart default "
                f"{_helm_text(default)!r}"
            )
            yield null_deletes_default.violation(ctx, message, entry.key.position, key=entry.dotted)


@rule(code="CD110", name="number-as-string", severity=Severity.ERROR)
def number_as_string(ctx: LintContext) -> Iterator[Violation]:
    """A quoted number where the chart expects an integer (`cluster.id: "1"`).

    ## Why
    Charts with a schema (1.16+) reject the string (`got string, want integer`), and older
    charts pass it through to templates that compare it as a number. Ports are reported by
    CD504 instead.

    ## Bad
    ```yaml
    cluster:
      name: main
      id: "1"
    ```

    ## Good
    ```yaml
    cluster:
      name: main
      id: 1
    ```

    ## Fix
    Remove the quotes.
    """

    for doc in ctx.documents:
        for entry in doc.entries():
            value = entry.value
            if (
                not value.quoted
                or not value.text.strip().lstrip("-").isdigit()
                or is_port_key(entry.path[-1])
            ):
                continue
            default = ctx.chart_default(entry.dotted)
            integer = isinstance(default, int) and not isinstance(default, bool)
            if not integer and not (default is None and entry.dotted == "cluster.id"):
                continue
            message = (
                f"'{entry.dotted}' is the string \"{value.text}\"; the chart expects an integer"
            )
            yield number_as_string.violation(
                ctx,
                message,
                value.position,
                key=entry.dotted,
                fix=f"{entry.path[-1]}: {value.text.strip()}",
            )


RULES = (
    unknown_key,
    misplaced_key,
    type_conflict,
    invalid_value,
    boolean_as_string,
    yaml11_boolean,
    duplicate_key,
    invalid_cidr,
    null_deletes_default,
    number_as_string,
)

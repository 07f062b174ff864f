"""The agent's text output (brief and ``--verbose``, 1.14 - 1.20) and the cilium-cli summary.

One pass over the prepared lines. Each line is classified in the context of the section it
follows (a controller table after ``Controller Status:``, a tree after ``Modules Health:``,
rows after ``Cluster health:``); a line that is none of those but follows a long or
unbalanced line is read as that line's wrapped continuation (chat tools re-wrap long
lines). Reading a line's value waits until the next line has been seen for that reason;
opening a section does not, so the next line is classified in the right context.
Lines the parser does not know become warnings with their line number.

Speed: :meth:`TextParser.parse` reads the common line (a known label seen for the first time)
and the rows of the long tables without the classification detours, and settles it as soon
as the next line shows that nothing continues it. Lines read twice by the process are
remembered with their reading (a fleet prints most lines identically); see ``_REMEMBERED``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ciliumdrift.errors import StatusParseError
from ciliumdrift.model import Diagnostic, Position
from ciliumdrift.parse import tables, values
from ciliumdrift.parse.labels import (
    AFTER_ENCRYPTION_LABELS,
    FULL_OUTPUT_LABELS,
    KPR_DETAIL_LABELS,
    OPENING_LABELS,
    TOP_LABELS,
    VERBOSE_LABELS,
)
from ciliumdrift.parse.model import (
    AllocatedAddress,
    BpfMap,
    ClusterHealth,
    ClusterMesh,
    Controller,
    ControllerStatus,
    HealthNode,
    HealthProbe,
    Ipam,
    KprDetails,
    KprService,
    KubernetesStatus,
    ModuleHealth,
    ModulesHealth,
    Nat46x64,
    Redirect,
    RemoteCluster,
    Status,
    StatusLine,
    build_status,
)
from ciliumdrift.parse.prepare import LineTable, SourceLine
from ciliumdrift.parse.summary import (
    SummaryBuilder,
    block_label,
    cilium_from_summary,
    component_state,
    hubble_from_summary,
    strip_logo,
)
from ciliumdrift.regex import lazy_pattern

#: A line shorter than this was not wrapped by a chat tool. Low on purpose: a wrap breaks
#: at the last space before the width, which can leave a short head ("Cluster health:
#: 3/3 reachable" + the timestamp on the next line); a join that reads worse is undone.
WRAP_MIN_WIDTH = 20
#: At most this many physical lines are joined into one logical line.
MAX_CONTINUATIONS = 40

SKIPPED = "status-skipped-line"
UNKNOWN = "status-unknown-line"
UNPARSED = "status-unparsed-value"
DUPLICATE = "status-duplicate-line"
TRUNCATED = "status-truncated"
CUT_OFF = "status-cut-off"

_SECTION_OF_LABEL = {
    "NodeMonitor": "nodemonitor",
    "Allocated addresses": "allocated",
    "ClusterMesh": "mesh",
    "Controller Status": "controllers",
    "Proxy Status": "redirects",
    "KubeProxyReplacement Details": "kpr",
    "BPF Maps": "bpf",
    "Cluster health": "health",
    "Modules Health": "modules",
}
_KLOG = lazy_pattern(r"[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ [^ \]]+\] ")
_LABEL_LIKE = lazy_pattern(r"[A-Za-z][A-Za-z0-9 /()._+-]{0,48}")
_TREE_ROOT = lazy_pattern(r"[a-z][a-z0-9_-]{0,63}")
_AGENT_DOWN = ("Is the agent running?", "cilium: daemon unreachable", "API client timeout exceeded")
_KUBECTL_NOTICES = (
    'Defaulted container "',
    "Unable to use a TTY",
    "command terminated with exit code",
    "If you don't see a command prompt",
)

Reader = Callable[[str, list[str]], Any]
Store = Callable[[Any, SourceLine, list[str]], None]


class _Pending:
    """A logical line whose value is read once it is known whether the next line continues it."""

    __slots__ = ("first_text", "hard_text", "label", "parts", "reader", "store", "text")

    def __init__(
        self,
        reader: Reader,
        store: Store,
        parts: list[SourceLine],
        text: str,
        first_text: str,
        label: str | None = None,
    ) -> None:
        self.reader = reader
        self.store = store
        self.parts = parts
        self.text = text
        self.first_text = first_text
        self.label = label
        self.hard_text = text  # joined without spaces where a terminal cut at a fixed width


@dataclass
class _Tree:
    root: str | None = None
    base_column: int | None = None
    stack: list[str] = field(default_factory=list)
    modules: list[ModuleHealth] = field(default_factory=list)


@dataclass
class _HealthBlock:
    """Verbose cluster health: the node being described and its current probe path."""

    node: str
    localhost: bool
    path: str | None = None
    address: str | None = None
    probes: list[HealthProbe] = field(default_factory=list)


class TextParser:
    """Reads prepared lines into a :class:`Status`; create one per input."""

    # Scalar state starts at these class-level values (instances overwrite them), so that
    # making a parser, once per input, sets only what must be an instance's own.
    section: str | None = None
    sub: str | None = None
    pending: _Pending | None = None
    flushing_text = ""
    flushing_label = ""
    stopped = False
    verbose = False
    # Builders for the parts that come from several lines.
    apis: tuple[str, ...] | None = None
    lost: tuple[int, int] | None = None
    controller_table = False
    kpr: dict[str, Any] | None = None
    nat: dict[str, Any] | None = None
    bpf_rows: list[BpfMap] | None = None
    health_block: _HealthBlock | None = None
    health_elided = False
    _hard_wrap: tuple[int | None, bool] | None = None

    def __init__(self, lines: Sequence[SourceLine], source: str) -> None:
        self.lines = lines
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.status_lines: list[StatusLine] = []
        self.values: dict[str, Any] = {}
        self.seen: dict[str, int] = {}
        self.summary = SummaryBuilder()
        self.agent_down: list[str] = []
        self.allocated: list[AllocatedAddress] = []
        self.controller_rows: list[Controller] = []
        self.redirects: list[Redirect] = []
        self.kpr_services: list[KprService] = []
        self.kpr_annotations: list[str] = []
        self.kpr_other: list[tuple[str, str]] = []
        self.mesh_clusters: list[RemoteCluster] = []
        self.health_nodes: list[HealthNode] = []
        self.tree = _Tree()

    # ------------------------------------------------------------------ positions, reports

    def _position(self, line: SourceLine) -> Position:
        return Position(self.source, line.number, line.column)

    def _diagnose(self, line: SourceLine, message: str, code: str) -> None:
        self.diagnostics.append(Diagnostic(message, self._position(line), code))

    def _unknown(self, line: SourceLine) -> None:
        label, sep, value = line.text.partition(":")
        if sep and _LABEL_LIKE.fullmatch(label.strip()):
            self.status_lines.append(StatusLine(label.strip(), value.strip(), line.number))
        self._diagnose(line, f"unknown status line kept unread: {_excerpt(line.text)}", UNKNOWN)

    def _hard_wrap_width(self) -> tuple[int | None, bool]:
        """A terminal that hard-wraps cuts many lines at exactly the same width.

        Returns that width (None when no such width) and whether it is sure: three lines of
        that width, and no shorter line that was visibly continued on the next one (a chat
        tool breaks at spaces, a terminal only at its width). Only continuation lines need
        it, so it is computed on their first use.
        """
        if self._hard_wrap is not None:
            return self._hard_wrap
        counts: dict[int, int] = {}
        for line in self.lines:
            if line.width >= 30:
                counts[line.width] = counts.get(line.width, 0) + 1
        widest = max(counts, default=0)
        seen = counts.get(widest, 0)
        sure = seen >= 3 and not self._continued_below(widest)
        self._hard_wrap = (widest if seen >= 2 else None, sure)
        return self._hard_wrap

    def _continued_below(self, width: int) -> bool:
        """Whether a line shorter than ``width`` is followed by what reads as its tail."""
        lines = self.lines
        for index in range(len(lines) - 1):
            line, tail = lines[index], lines[index + 1]
            if (
                line.text
                and 30 <= line.width < width
                and tail.text
                and tail.indent == 0
                and tail.text.partition(":")[0] not in TOP_LABELS
                and not _aligned_label(tail.text)
            ):
                return True
        return False

    # ------------------------------------------------------------------ the pass

    def parse(self) -> Status:
        lines = self.lines
        if isinstance(lines, LineTable):
            texts: Sequence[str] = lines.texts
            numbers: Sequence[int] = range(1, len(texts) + 1)
            logo = lines.logo
        else:
            texts = [line.text for line in lines]
            numbers = [line.number for line in lines]
            logo = True
        seen = self.seen
        values = self.values
        status_lines = self.status_lines
        readers = _LABEL_READERS
        remembered = _REMEMBERED
        specs = _LABEL_SPECS
        # A known label's line, held until the next line shows whether it continues it.
        held = -1
        held_label = held_value = ""
        held_field: str | None = None
        # Likewise a row of the controller table or a line of the modules tree.
        row = -1
        row_value: Any = None
        count = len(texts)
        for index in range(count + 1):
            # One step past the end, as if a blank line followed: it settles a held line.
            text = texts[index] if index < count else ""
            label, sep, value = text.partition(":")
            spec = specs.get(label) if sep else None
            common = (
                spec is not None
                and label not in seen
                and (not spec[2] or not component_state(value))
                and not (logo and _has_logo(text))
            )
            if row >= 0 and (common or not text):
                self._store_row(row_value, lines, row)
                row = -1
            if held >= 0:
                if common or not text:
                    # Nothing continues the held line: read it now, without a _Pending.
                    key = (held_label, held_value, numbers[held])
                    known = remembered.get(key)
                    if known is None:
                        found: list[str] = []
                        reading = readers[held_label](held_value, found)
                        known = (reading, tuple(found), _status_line(*key))
                        _remember(key, known)
                    result, problems, record = known
                    if problems or result is None or held_label in seen:
                        self._store_now(
                            held_label, held_value, result, lines[held], list(problems), record
                        )
                    else:
                        seen[held_label] = key[2]
                        status_lines.append(record)
                        if held_field is None:
                            self._apply(held_label, result)
                        else:
                            values[held_field] = result
                else:
                    self.pending = _Pending(
                        _LABEL_READERS[held_label],
                        self._store_label,
                        [lines[held]],
                        held_value,
                        held_value,
                        held_label,
                    )
                held = -1
            if common:
                # The common line: a known label seen for the first time. What _classify
                # would do, without its detours.
                assert spec is not None
                if self.pending is not None:
                    self._flush()
                held_field, self.section = spec[0], spec[1]
                held, held_label, held_value = index, label, value.strip()
                continue
            if index == count:
                break
            section = self.section
            if text and (section == "controllers" or section == "modules"):
                found_row = (
                    tables.controller_row(text)
                    if section == "controllers"
                    else (text if tables.is_tree_line(text) else None)
                )
                if found_row is not None:
                    # Nothing continues the line before: a table row follows it.
                    if self.pending is not None:
                        self._flush()
                    if row >= 0:
                        self._store_row(row_value, lines, row)
                    row, row_value = index, found_row
                    continue
            if row >= 0:
                # Something else follows a row: let _feed decide whether it continues it.
                self.pending = self._row_pending(row_value, lines[row])
                row = -1
            self._feed(lines[index])
            if self.stopped:
                break
        self._flush()
        return self._build()

    def _store_row(self, value: Any, lines: Sequence[SourceLine], index: int) -> None:
        if isinstance(value, Controller):
            self.controller_rows.append(value)
        else:
            self._store_tree_line(value, lines[index], [])

    def _row_pending(self, value: Any, line: SourceLine) -> _Pending:
        if isinstance(value, Controller):
            reader = _parsed(value, line.text, tables.controller_row)
            return self._item(line, reader, self._store_controller)
        return self._item(line, _identity, self._store_tree_line)

    def _store_now(
        self,
        label: str,
        value: str,
        result: Any,
        line: SourceLine,
        problems: list[str],
        record: StatusLine | None = None,
    ) -> None:
        if result is None:
            self._unknown(line)
        else:
            self._store_reading(label, value, result, line, problems, record)

    def _feed(self, line: SourceLine) -> None:
        text = line.text
        if not text:
            self._flush()
            return
        pending = self._classify(line)
        if pending is None and self._continues(line):
            assert self.pending is not None
            hard_width = self._hard_wrap_width()[0]
            hard = hard_width is not None and self.pending.parts[-1].width == hard_width
            self.pending.hard_text += ("" if hard else " ") + line.text
            self.pending.text += " " + line.text
            self.pending.parts.append(line)
            return
        self._flush()
        if pending is None:
            self._unknown(line)
        else:
            self.pending = pending

    def _continues(self, line: SourceLine) -> bool:
        pending = self.pending
        if pending is None or len(pending.parts) > MAX_CONTINUATIONS:
            return False
        if values.unbalanced(pending.text):
            return True
        if pending.label is not None and not pending.text:
            return True  # "Label:" alone: the value was wrapped onto the next line
        if pending.parts[-1].width < WRAP_MIN_WIDTH:
            return False
        return not _aligned_label(line.text)

    def _flush(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        used = pending.text
        result, problems = self._read(pending, used)
        if pending.hard_text != pending.text:
            # A soft wrap lost a space, a hard wrap lost nothing: keep the reading that works.
            hard, hard_problems = self._read(pending, pending.hard_text)
            tie = len(hard_problems) == len(problems) and self._hard_wrap_width()[1]
            if hard is not None and (result is None or len(hard_problems) < len(problems) or tie):
                result, problems, used = hard, hard_problems, pending.hard_text
        if len(pending.parts) > 1 and (problems or result is None):
            # The joined line reads worse than the first line alone: not a wrap after all.
            alone, alone_problems = self._read(pending, pending.first_text)
            if alone is not None and not alone_problems:
                result, problems, used = alone, alone_problems, pending.first_text
                for extra in pending.parts[1:]:
                    self._unknown(extra)
        if result is None:
            for part in pending.parts:
                self._unknown(part)
            return
        self.flushing_text = used
        self.flushing_label = pending.label or ""
        pending.store(result, pending.parts[0], list(problems))

    @staticmethod
    def _read(pending: _Pending, text: str) -> tuple[Any, list[str]]:
        problems: list[str] = []
        return pending.reader(text, problems), problems

    def _item(self, line: SourceLine, reader: Reader, store: Store) -> _Pending:
        return _Pending(reader, store, [line], line.text, line.text)

    # ------------------------------------------------------------------ classification

    def _classify(self, line: SourceLine) -> _Pending | None:
        text = line.text
        stripped, logo = strip_logo(text)
        if logo:
            return self._classify_logo(line, stripped)
        # The rows of a long table first: in a --verbose output they are most of the lines,
        # and none of them can be a label, a kubectl notice or a shell command.
        if self.section == "controllers":
            row = tables.controller_row(text)
            if row is not None:
                reader = _parsed(row, text, tables.controller_row)
                return self._item(line, reader, self._store_controller)
        elif self.section == "modules" and tables.is_tree_line(text):
            return self._item(line, _identity, self._store_tree_line)
        label, sep, value = text.partition(":")
        label = label.strip()
        if sep and label in TOP_LABELS:
            if self._cli_component(label, value):
                self.section = "cli"
                return self._item(line, _identity, self._store_component)
            return self._classify_label(line, label, value)
        noise = self._noise(text)
        if noise is not None:
            return self._item(line, _constant(noise), self._store_noise)
        in_section = self._classify_in_section(line)
        if in_section is not None:
            return in_section
        return self._classify_structure(line)

    def _cli_component(self, label: str, value: str) -> bool:
        return label in ("Cilium", "ClusterMesh", "Hubble") and component_state(value)

    def _classify_logo(self, line: SourceLine, text: str) -> _Pending:
        if not text:
            return self._item(line, _constant("the cilium-cli logo"), self._store_noise)
        self.section = "cli"
        return self._item(line, _without_logo, self._store_component)

    def _classify_label(self, line: SourceLine, label: str, value: str) -> _Pending | None:
        first = next(iter(self.seen), None)
        if label in self.seen and label == first and len(self.seen) >= 3:
            self._diagnose(
                line,
                f"a second status output starts here; only the first one (line "
                f"{self.seen[label]}) is read",
                DUPLICATE,
            )
            self.stopped = True
            return self._item(line, _constant("second output"), self._store_nothing)
        self.section = _SECTION_OF_LABEL.get(label)
        value = value.strip()
        return _Pending(_LABEL_READERS[label], self._store_label, [line], value, value, label)

    def _noise(self, text: str) -> str | None:
        if text.startswith(_KUBECTL_NOTICES) or _KLOG.match(text):
            return "a kubectl message"
        if any(marker in text for marker in _AGENT_DOWN):
            self.agent_down.append(text)
            return "an agent connection error"
        if text.startswith("Error:") and ("status" in text or "cilium" in text.lower()):
            self.summary.error(text)
            return "a cilium-cli error"
        if is_command(text):
            return "a shell command"
        return None

    def _classify_in_section(self, line: SourceLine) -> _Pending | None:
        text = line.text
        section = self.section
        tokens = tables.words(text)
        if text in ("...", "…"):
            return self._item(line, _identity, self._store_ellipsis)
        if section == "allocated" and tables.allocated_row(text):
            return self._item(line, _reader(tables.allocated_row), self._store_allocated)
        if tokens == tables.CONTROLLER_HEADER:
            self.section = "controllers"
            return self._item(line, _identity, self._store_controller_header)
        if section == "controllers" and tables.controller_row(text):
            return self._item(line, _reader(tables.controller_row), self._store_controller)
        if section == "redirects":
            if tokens == tables.REDIRECT_HEADER:
                return self._item(line, _identity, self._store_nothing)
            if tables.redirect_row(text):
                return self._item(line, _reader(tables.redirect_row), self._store_redirect)
        if section == "bpf":
            if tokens == tables.BPF_MAP_HEADER:
                return self._item(line, _identity, self._store_nothing)
            if tables.bpf_map_row(text):
                return self._item(line, _reader(tables.bpf_map_row), self._store_bpf_map)
        if section == "kpr" and (text.startswith("- ") or ":" in text):
            return self._item(line, _identity, self._store_kpr_row)
        if section == "mesh":
            if values.remote_cluster(text) is not None:
                return self._item(line, _reader(values.remote_cluster), self._store_mesh_cluster)
            if text.startswith("└"):
                return self._item(line, _identity, self._store_mesh_detail)
        if section == "health":
            return self._classify_health(line)
        if section == "modules":
            if tables.is_tree_line(text):
                return self._item(line, _identity, self._store_tree_line)
            if tokens == tables.MODULE_TABLE_HEADER:
                return self._item(line, _identity, self._store_nothing)
            if not self.tree.modules and self.tree.root is None and _TREE_ROOT.fullmatch(text):
                return self._item(line, _identity, self._store_tree_root)
        if section == "nodemonitor" and values.lost_events(text):
            return self._item(line, _reader(values.lost_events), self._store_lost)
        if section == "cli" and line.indent > 0 and self.summary.block:
            return self._item(line, _identity, self._store_cli_continuation)
        return None

    def _classify_health(self, line: SourceLine) -> _Pending | None:
        text = line.text
        if tables.words(text) == tables.HEALTH_HEADER:
            return self._item(line, _identity, self._store_nothing)
        if tables.health_row(text):
            return self._item(line, _reader(tables.health_row), self._store_health_row)
        if tables.probe_path(text):
            return self._item(line, _reader(tables.probe_path), self._store_probe_path)
        if text.partition(":")[0] in ("ICMP to stack", "HTTP to agent"):
            return self._item(line, _identity, self._store_probe)
        if tables.node_block_name(text):
            return self._item(line, _reader(tables.node_block_name), self._store_node_block)
        return None

    def _classify_structure(self, line: SourceLine) -> _Pending | None:
        """Lines recognisable without context: they open their section themselves."""
        text = line.text
        tokens = tables.words(text)
        if tokens == tables.HEALTH_HEADER:
            self.section = "health"
            return self._item(line, _identity, self._store_nothing)
        if tables.health_row(text):
            self.section = "health"
            return self._item(line, _reader(tables.health_row), self._store_health_row)
        if tables.is_tree_line(text):
            self.section = "modules"
            return self._item(line, _identity, self._store_tree_line)
        if values.lost_events(text):
            return self._item(line, _reader(values.lost_events), self._store_lost)
        block = block_label(text)
        if block is not None:
            self.section = "cli"
            return self._item(line, _identity, self._store_cli_block)
        if self._headless_kpr_row(line):
            # A `--verbose` excerpt cut above its `KubeProxyReplacement Details:` header (posts
            # print "..." then the indented rows they care about): the rows' own labels say
            # which block they belong to.
            self.section = "kpr"
            return self._item(line, _identity, self._store_kpr_row)
        return None

    def _headless_kpr_row(self, line: SourceLine) -> bool:
        # Flush left only while nothing else was read: a grep of these rows alone loses the
        # indentation to the paste's common indent.
        if self.section is not None or (line.indent == 0 and self.seen):
            return False
        label, sep, value = line.text.partition(":")
        return bool(sep and value.strip()) and label.strip() in _HEADLESS_KPR_LABELS

    # ------------------------------------------------------------------ stores

    def _store_nothing(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        """Headers and markers that carry no data."""

    def _store_noise(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        self._diagnose(line, f"skipped {result}: {_excerpt(line.text)}", SKIPPED)

    def _store_ellipsis(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        if self.section == "health":
            self.health_elided = True
            return
        self._diagnose(line, "skipped '...': rows were left out here", SKIPPED)

    def _report(self, line: SourceLine, what: str, problems: list[str]) -> None:
        for problem in problems:
            self._diagnose(line, f"{what}: {problem}", UNPARSED)

    def _store_label(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        self._store_reading(self.flushing_label, self.flushing_text, result, line, problems)

    def _store_reading(
        self,
        label: str,
        text: str,
        result: Any,
        line: SourceLine,
        problems: list[str],
        record: StatusLine | None = None,
    ) -> None:
        if label in self.seen:
            self._diagnose(
                line,
                f"`{label}:` appears again (first on line {self.seen[label]}); the first is kept",
                DUPLICATE,
            )
            return
        self.seen[label] = line.number
        self.status_lines.append(record or StatusLine(label, text, line.number))
        if problems:
            self._report(line, f"`{label}:`", problems)
        self._apply(label, result)

    def _apply(self, label: str, result: Any) -> None:
        """Put a label's reading where it belongs (the line was recorded already)."""
        self.sub = None
        field_name = _DIRECT_FIELDS.get(label)
        if field_name is not None:
            self.values[field_name] = result
        else:
            _STATEFUL_READINGS[label](self, result)

    # Labels whose reading also starts or feeds the state of the lines after them.

    def _apply_apis(self, result: Any) -> None:
        self.apis = result

    def _apply_cluster_health(self, result: Any) -> None:
        self._close_health_block()
        self.values["cluster_health"] = result

    def _apply_modules_health(self, result: Any) -> None:
        self.tree = _Tree()
        summary, text = result
        if summary is None and len(text.split()) == 1:
            # ``Modules Health:   agent``: the verbose tree's root on the label's own line.
            self.tree.root = text
            self.verbose = True
            self.values["modules_health"] = ModulesHealth()
        else:
            self.values["modules_health"] = summary or ModulesHealth(message=text)

    def _apply_allocated(self, result: Any) -> None:
        self.verbose = True

    def _apply_kpr_details(self, result: Any) -> None:
        self.verbose = True
        self.kpr = {}

    def _apply_bpf_maps(self, result: Any) -> None:
        self.verbose = True
        self.values["bpf_map_sizing"] = result
        self.bpf_rows = []

    def _apply_clock_source(self, result: Any) -> None:
        self.verbose = True
        self.values["clock_source"] = result

    def _store_component(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        if not self.summary.component(result):
            self._unknown(line)

    def _store_cli_block(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        block = block_label(result)
        if block is None or not self.summary.block_line(*block):
            self._unknown(line)

    def _store_cli_continuation(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        if not self.summary.continuation(result):
            self._unknown(line)

    def _store_allocated(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        self.allocated.append(result)

    def _store_controller_header(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        self.controller_table = True

    def _store_controller(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        self.controller_rows.append(result)

    def _store_redirect(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        self.redirects.append(result)

    def _store_bpf_map(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        if self.bpf_rows is None:
            self.bpf_rows = []
        self.bpf_rows.append(result)

    def _store_lost(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        self.lost = result

    def _store_mesh_cluster(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        self.mesh_clusters.append(result)

    def _store_mesh_detail(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        detail = values.squash(result.lstrip("└"))
        if not self.mesh_clusters:
            self._unknown(line)
            return
        last = self.mesh_clusters[-1]
        self.mesh_clusters[-1] = replace(last, details=(*last.details, detail))

    def _store_kpr_row(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        if self.kpr is None:
            self.kpr = {}
        text: str = result
        dashed = text.startswith("- ")
        body = text[2:].strip() if dashed else text
        label, sep, value = body.partition(":")
        label, value = label.strip(), value.strip()
        if dashed and self.sub == "annotations" and not sep:
            self.kpr_annotations.append(body)
            return
        if dashed and self.sub == "nat" and label in ("Services", "Gateway"):
            flag = values.enabled_flag(value, problems)
            assert self.nat is not None
            self.nat[label.lower()] = flag
            self._report(line, f"`{label}:`", problems)
            return
        if dashed and self.sub == "services" and sep:
            enabled = values.enabled_flag(value, problems)
            detail = value.partition("(")[2].rstrip(")").strip() or None
            self.kpr_services.append(KprService(name=label, enabled=enabled, detail=detail))
            self._report(line, f"`- {label}:`", problems)
            return
        if label == "Prefixes" and self.nat is not None:
            self.nat["prefixes"] = tuple(p.strip() for p in value.split(",") if p.strip())
            return
        key = KPR_DETAIL_LABELS.get(label)
        if key is None or dashed:
            self.kpr_other.append((label, value))
            self._diagnose(line, f"unknown KubeProxyReplacement detail kept: {body}", UNKNOWN)
            return
        self.sub = None
        self._store_kpr_field(key, value, line, problems)

    def _store_kpr_field(self, key: str, value: str, line: SourceLine, problems: list[str]) -> None:
        assert self.kpr is not None
        if key == "services":
            self.sub = "services"
        elif key == "annotations":
            self.sub = "annotations"
        elif key == "nat46x64":
            if value:
                self.kpr["nat46x64"] = values.enabled_flag(value, problems)
            else:
                self.sub = "nat"
                self.nat = {}
        elif key in ("socket_lb", "socket_lb_tracing", "session_affinity", "graceful_termination"):
            self.kpr[key] = values.enabled_flag(value, problems)
        elif key == "devices":
            self.kpr[key] = values.device_entries(value, problems)
        elif key == "backend_selection":
            name, size = values.maglev(value)
            self.kpr[key] = name
            self.kpr["maglev_table_size"] = size
        else:
            self.kpr[key] = values.squash(value)
        self._report(line, "KubeProxyReplacement detail", problems)

    def _store_health_row(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        self._close_health_block()
        self.health_nodes.append(result)

    def _store_node_block(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        self._close_health_block()
        name, localhost = result
        self.health_block = _HealthBlock(node=name, localhost=localhost)
        self.verbose = True

    def _store_probe_path(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        if self.health_block is None:
            self._unknown(line)
            return
        self.health_block.path, self.health_block.address = result

    def _store_probe(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        block = self.health_block
        if block is None or block.path is None or block.address is None:
            self._unknown(line)
            return
        probe = tables.probe_line(result, block.path, block.address)
        if probe is None:
            self._unknown(line)
            return
        block.probes.append(probe)

    def _close_health_block(self) -> None:
        block, self.health_block = self.health_block, None
        if block is None:
            return
        host = next((p.address for p in block.probes if p.path == "Host"), None)
        self.health_nodes.append(
            HealthNode(
                name=block.node,
                reachable=all(p.ok for p in block.probes) if block.probes else None,
                address=host,
                localhost=block.localhost,
                probes=tuple(block.probes),
            )
        )

    def _store_tree_root(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        self.tree.root = result

    def _store_tree_line(self, result: Any, line: SourceLine, problems: list[str]) -> None:
        parsed = tables.tree_line(result)
        if parsed is None:
            self._unknown(line)
            return
        tree = self.tree
        column = line.indent + parsed.branch_column
        if tree.base_column is None:
            tree.base_column = column - 4 * (parsed.glyph_depth - 1)
        offset = column - tree.base_column
        depth = offset // 4 + 1 if offset >= 0 and offset % 4 == 0 else parsed.glyph_depth
        del tree.stack[depth - 1 :]
        while len(tree.stack) < depth - 1:
            tree.stack.append("?")
        tree.stack.append(parsed.name)
        self.verbose = True
        if parsed.state is None:
            return
        path = ".".join([*([tree.root] if tree.root else []), *tree.stack])
        tree.modules.append(
            ModuleHealth(
                path=path,
                state=parsed.state,
                message=parsed.message,
                age=parsed.age,
                count=parsed.count,
            )
        )

    # ------------------------------------------------------------------ assembly

    def _build(self) -> Status:
        self._close_health_block()
        if not self.seen and not self.summary.seen and not self._has_rows():
            raise self._not_a_status()
        fields: dict[str, Any] = dict(self.values)
        self._assemble_sections(fields)
        summary = self.summary.build() if self.summary.seen else None
        if summary is not None and summary.components and not summary.images:
            self.diagnostics.append(
                Diagnostic(
                    "the cilium-cli summary has no `Image versions` block; it was probably cut off",
                    Position(self.source, self.lines[-1].number, 1),
                    CUT_OFF,
                )
            )
        if summary is not None:
            fields["extra"] = summary
            fields.setdefault("cilium", cilium_from_summary(summary))
            fields.setdefault("hubble", hubble_from_summary(summary))
        status_format, truncated = self._format()
        nodes = fields.pop("_nodes", None)
        local = next((n for n in nodes if n.localhost), None) if nodes else None
        fields["format"] = status_format
        fields["source"] = self.source
        fields["node"] = local.name.rsplit("/", 1)[-1] if local else None
        fields["truncated"] = truncated
        fields["lines"] = tuple(self.status_lines)
        fields["diagnostics"] = tuple(self.diagnostics)
        return build_status(fields)

    def _has_rows(self) -> bool:
        return bool(self.health_nodes or self.tree.modules or self.controller_rows or self.kpr)

    def _not_a_status(self) -> StatusParseError:
        first = next((line for line in self.lines if line.text), None)
        if first is None:
            return StatusParseError(
                "empty input: no cilium status output", Position(self.source, 1, 1)
            )
        if self.agent_down:
            message = (
                f"the agent did not answer, so there is no status: {_excerpt(self.agent_down[0])}"
            )
        else:
            # No excerpt: the wrong file may be a token or a key (position only).
            message = "not a cilium status output (no known status line)"
        return StatusParseError(message, self._position(first))

    def _assemble_sections(self, fields: dict[str, Any]) -> None:
        if self.apis is not None:
            base = fields.get("kubernetes") or KubernetesStatus(state="")
            fields["kubernetes"] = KubernetesStatus(
                state=base.state,
                version=base.version,
                git_version=base.git_version,
                platform=base.platform,
                message=base.message,
                apis=self.apis,
            )
        if self.lost is not None and fields.get("node_monitor") is not None:
            fields["node_monitor"] = replace(
                fields["node_monitor"], lost=self.lost[0], unknown=self.lost[1]
            )
        if "ipam" in fields or self.allocated:
            families, message = fields.get("ipam", ((), ""))
            fields["ipam"] = Ipam(
                families=families, allocated=tuple(self.allocated), message=message
            )
        if self.controller_rows:
            rows = tuple(self.controller_rows)
            base = fields.get("controllers") or ControllerStatus(
                healthy=sum(1 for row in rows if row.failure_count == 0), total=len(rows)
            )
            fields["controllers"] = ControllerStatus(
                healthy=base.healthy, total=base.total, controllers=rows
            )
        if self.redirects and fields.get("proxy") is not None:
            fields["proxy"] = replace(fields["proxy"], redirect_table=tuple(self.redirects))
        if self.mesh_clusters:
            base = fields.get("cluster_mesh") or ClusterMesh(
                ready=sum(1 for c in self.mesh_clusters if c.ready), total=len(self.mesh_clusters)
            )
            fields["cluster_mesh"] = replace(base, clusters=tuple(self.mesh_clusters))
        if self.health_nodes or self.health_elided:
            base = fields.get("cluster_health") or ClusterHealth()
            fields["cluster_health"] = replace(
                base, nodes=tuple(self.health_nodes), nodes_elided=self.health_elided
            )
            fields["_nodes"] = self.health_nodes
        if self.tree.modules:
            base = fields.get("modules_health") or ModulesHealth()
            fields["modules_health"] = replace(base, modules=tuple(self.tree.modules))
        if self.bpf_rows is not None:
            fields["bpf_maps"] = tuple(self.bpf_rows)
        if self.kpr is not None:
            nat = self.kpr.pop("nat46x64", None)
            if self.nat is not None:
                nat_details = Nat46x64(
                    enabled=bool(self.nat.get("services") or self.nat.get("gateway")),
                    services=self.nat.get("services"),
                    gateway=self.nat.get("gateway"),
                    prefixes=self.nat.get("prefixes", ()),
                )
            elif nat is not None:
                nat_details = Nat46x64(enabled=nat)
            else:
                nat_details = None
            fields["kpr_details"] = KprDetails(
                **self.kpr,
                nat46x64=nat_details,
                services=tuple(self.kpr_services),
                annotations=tuple(self.kpr_annotations),
                other=tuple(self.kpr_other),
            )

    def _format(self) -> tuple[str, bool]:
        labels = self.seen.keys()
        if not labels:
            return ("cli-summary" if self.summary.seen else "fragment"), False
        full = labels >= _FULL_OUTPUT and not labels.isdisjoint(OPENING_LABELS)
        if not full:
            self._explain_fragment()
            return "fragment", False
        verbose = self.verbose or (
            bool(self.controller_rows)
            and all(row.failure_count == 0 for row in self.controller_rows)
        )
        truncated = labels.isdisjoint(AFTER_ENCRYPTION_LABELS)
        if truncated:
            self._explain_truncation()
        return ("text-verbose" if verbose else "text"), truncated

    def _explain_truncation(self) -> None:
        line = self._line_of("Encryption")
        cilium = self.values.get("cilium")
        state = cilium.state if cilium is not None else None
        if state not in ("Ok", "Disabled", None):
            reason = (
                f"Cilium is {state}: the agent stops after `Encryption:` and exits 1, so "
                "Cluster health and Modules Health are missing"
            )
        else:
            reason = (
                "the output ends after `Encryption:` although Cilium is Ok; it was probably "
                "cut off, so Cluster health and Modules Health are missing"
            )
        self.diagnostics.append(Diagnostic(reason, line, TRUNCATED))

    def _explain_fragment(self) -> None:
        """A fragment that is the head of a full output in order was cut, not grep'ed."""
        order = list(self.seen)  # labels in the order they were first seen
        if not order or order[0] != "KVStore":
            return
        positions = [_CANONICAL_ORDER[label] for label in order]
        if positions != sorted(positions) or positions[-1] >= _CANONICAL_ORDER["Encryption"]:
            return
        last = order[-1]
        self.diagnostics.append(
            Diagnostic(
                f"the output starts like a full status but ends after `{last}:`; the lines "
                "after it are missing (cut off)",
                self._line_of(last),
                CUT_OFF,
            )
        )

    def _line_of(self, label: str) -> Position:
        return Position(self.source, self.seen.get(label, 1), 1)


#: Labels the cilium-cli summary also prints (``Cilium: OK`` beside the logo).
_COMPONENT_LABELS = frozenset({"Cilium", "ClusterMesh", "Hubble"})


_FULL_OUTPUT = frozenset(FULL_OUTPUT_LABELS)

_CANONICAL_ORDER = {label: index for index, label in enumerate(TOP_LABELS)}

#: Labels whose reading is the Status field as it is (label -> field); the others build
#: state for later lines (the module tree, health rows, KPR details) or merge with them.
_DIRECT_FIELDS = {
    label: field_name
    for label, field_name in TOP_LABELS.items()
    if label not in VERBOSE_LABELS
    and label not in ("Modules Health", "Cluster health", "Kubernetes APIs")
}

_STATEFUL_READINGS: dict[str, Callable[[TextParser, Any], None]] = {
    "Kubernetes APIs": TextParser._apply_apis,
    "Cluster health": TextParser._apply_cluster_health,
    "Modules Health": TextParser._apply_modules_health,
    "Allocated addresses": TextParser._apply_allocated,
    "KubeProxyReplacement Details": TextParser._apply_kpr_details,
    "BPF Maps": TextParser._apply_bpf_maps,
    "Clock Source for BPF": TextParser._apply_clock_source,
}
assert set(_STATEFUL_READINGS) == set(TOP_LABELS) - set(_DIRECT_FIELDS)

#: `KubeProxyReplacement Details:` rows that name that block alone ("Status" and "Devices" are
#: too common to open it without its header).
_HEADLESS_KPR_LABELS = frozenset(KPR_DETAIL_LABELS) - {"Status", "Devices", "Services"}

#: label -> (the Status field its reading fills as is or None, the section it opens, whether
#: the cilium-cli summary prints it too): one lookup per line in the hot loop.
_LABEL_SPECS: dict[str, tuple[str | None, str | None, bool]] = {
    label: (_DIRECT_FIELDS.get(label), _SECTION_OF_LABEL.get(label), label in _COMPONENT_LABELS)
    for label in TOP_LABELS
}


_PROMPTS = ("$ ", "# ", "% ", "> ", "❯ ", "➜ ", "λ ")
_KUBECTL = ("kubectl", "k", "oc", "microk8s")
_KUBECTL_VERBS = ("exec", "get", "logs", "describe", "debug")
_CILIUM_VERBS = ("status", "config", "version", "sysdump", "debuginfo", "bpf", "encrypt")
#: What a shell prompt shows between its marker and the command (oh-my-zsh: ``➜  ~ git:(main) ✗``).
_PROMPT_WORDS = ("~", "✗", "✔")


def is_command(text: str) -> bool:
    """``$ kubectl -n kube-system exec ds/cilium -- cilium status``, ``root@n1:/# cilium status``,
    ``[root@ctrl01 ~]# kubectl exec …``, ``➜  ~ kubectl exec …``.

    A node called ``k`` in a health row is not the kubectl alias: a verb must follow.
    """
    if len(text) > 400:
        return False
    for prompt in _PROMPTS:
        cut = text.find(prompt)
        if 0 <= cut < 80:
            text = text[cut + len(prompt) :]
            break
    words = text.split()[:10]
    while words and (words[0] in _PROMPT_WORDS or words[0].startswith(("~/", "git:("))):
        words = words[1:]
    if words[:1] == ["sudo"]:
        words = words[1:]
    if not words:
        return False
    assigns = words[0] in ("alias", "export") and len(words) > 1 and "=" in words[1]
    if assigns or " | grep " in text:
        # ``alias c0="kubectl exec …"``, ``c0 status | grep KubeProxyReplacement``: no line of
        # the agent's output pipes into grep or assigns a shell variable.
        return True
    if words[0] == "watch":
        words = [word for word in words[1:] if not word.startswith("-")] or ["watch"]
    if words[0] in _KUBECTL:
        return any(word in _KUBECTL_VERBS for word in words[1:])
    return words[0] in ("cilium", "cilium-dbg") and words[1:2] != [] and words[1] in _CILIUM_VERBS


def _has_logo(text: str) -> bool:
    return "¯" in text or "\\__/" in text


def _aligned_label(text: str) -> bool:
    """``Foo Bar:      value``: a line of its own (tabwriter-aligned), not a wrapped tail."""
    label, sep, value = text.partition(":")
    if not sep or not _LABEL_LIKE.fullmatch(label):
        return False
    return value == "" or value.startswith("  ")


def _excerpt(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _identity(text: str, problems: list[str]) -> str:
    return text


def _without_logo(text: str, problems: list[str]) -> str:
    return strip_logo(text)[0]


def _constant(value: str) -> Reader:
    return lambda text, problems: value


def _parsed(row: Any, original: str, parse: Callable[[str], Any]) -> Reader:
    """A reader that reuses the row read while classifying, unless a wrap added text."""
    return lambda text, problems: row if text == original else parse(text)


def _reader(parse: Callable[[str], Any]) -> Reader:
    return lambda text, problems: parse(text)


_LABEL_READERS: dict[str, Callable[[str, list[str]], Any]] = {
    "KVStore": values.state_message,
    "ContainerRuntime": values.state_message,
    "Kubernetes": values.kubernetes,
    "Kubernetes APIs": values.api_list,
    "KubeProxyReplacement": values.kube_proxy_replacement,
    "Host firewall": values.host_firewall,
    "SRv6": values.srv6,
    "CNI Chaining": values.single_word,
    "CNI Config file": lambda text, problems: values.squash(text),
    "Cilium": values.cilium,
    "Stale status": lambda text, problems: values.squash(text),
    "NodeMonitor": values.node_monitor,
    "Cilium health daemon": values.state_message,
    "IPAM": values.ipam,
    "Allocated addresses": lambda text, problems: None if text.strip() else "",
    "ClusterMesh": values.cluster_mesh,
    "IPv4 BIG TCP": values.big_tcp,
    "IPv6 BIG TCP": values.big_tcp,
    "BandwidthManager": values.bandwidth_manager,
    "Host Routing": values.host_routing,
    "Routing": values.routing,
    "Attach Mode": values.attach_mode,
    "Device Mode": values.device_mode,
    "Masquerading": values.masquerading,
    "Clock Source for BPF": values.clock_source,
    "Controller Status": values.controller_status,
    "Proxy Status": values.proxy_status,
    "Global Identity Range": values.identity_range,
    "Hubble": values.hubble,
    "KubeProxyReplacement Details": lambda text, problems: None if text.strip() else "",
    "BPF Maps": values.bpf_map_sizing,
    "Encryption": values.encryption,
    "Cluster health": values.cluster_health,
    "Modules Health": values.modules_reading,
}


#: Lines already read by this process: (label, value, line number) -> (reading, problems,
#: record). A fleet's agents print most lines identically and at the same place
#: (``KVStore: Disabled``, the API list, the CNI file); readings and records are frozen, so
#: one serves them all. Only lines seen twice are kept: values that differ per node (flows,
#: addresses, timestamps) would only churn the memory and the garbage collector.
_REMEMBERED: dict[tuple[str, str, int], tuple[Any, tuple[str, ...], StatusLine]] = {}
_SEEN_ONCE: dict[tuple[str, str, int], None] = {}
#: Bounds: each is emptied when full, and long values are never kept.
_REMEMBER_LIMIT = 2048
_REMEMBER_MAX_VALUE = 512


def _remember(key: tuple[str, str, int], known: tuple[Any, tuple[str, ...], StatusLine]) -> None:
    if len(key[1]) > _REMEMBER_MAX_VALUE:
        return
    if key in _SEEN_ONCE:
        if len(_REMEMBERED) >= _REMEMBER_LIMIT:
            _REMEMBERED.clear()
        _REMEMBERED[key] = known
    else:
        if len(_SEEN_ONCE) >= _REMEMBER_LIMIT:
            _SEEN_ONCE.clear()
        _SEEN_ONCE[key] = None


_NEW = object.__new__
_SET_LABEL = StatusLine.__dict__["label"].__set__
_SET_VALUE = StatusLine.__dict__["value"].__set__
_SET_LINE = StatusLine.__dict__["line"].__set__


def _status_line(label: str, value: str, line: int) -> StatusLine:
    """``StatusLine(label, value, line)`` at half the cost: one per line of every input.

    A frozen slots dataclass sets each field through a guarded ``object.__setattr__``; the
    slots' own descriptors set them directly (tests compare the two).
    """
    record: StatusLine = _NEW(StatusLine)
    _SET_LABEL(record, label)
    _SET_VALUE(record, value)
    _SET_LINE(record, line)
    return record

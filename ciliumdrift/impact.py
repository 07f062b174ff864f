"""The runtime impact of a values change: ``impact(base, head) -> ImpactReport``.

deepdiff gives the structural diff of the two merged values trees; the derivation then
says what each side means at runtime, per node, and the report speaks in those terms:
which ``cilium status`` lines change, from what to what, why (the changed keys, with the
line that changed them) and which of those changes disrupt running workloads (routing
mode, device mode, encryption, IPAM; the list with sources is
``ciliumdrift/data/lint/disruptive.yaml``).

The loading helpers read ``--base``/``--head`` files or folders, or the same paths at a
git ref (``git show REF:path``, no shell).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ciliumdrift import __version__
from ciliumdrift.agent.facts import FACTS
from ciliumdrift.datafiles import load
from ciliumdrift.derive import derive
from ciliumdrift.errors import InputError
from ciliumdrift.load import load_declared
from ciliumdrift.load.model import Declared, HelmValues, join_key
from ciliumdrift.model import Diagnostic, Origin, Position

NodeSpec = tuple[str | None, str | None]  # (node name, kernel)


@dataclass(frozen=True)
class KeyChange:
    """One Helm key whose merged value differs between base and head."""

    key: str
    before: Any
    after: Any
    position: Position | None  # where head sets it (or where base set it, when removed)

    @property
    def kind(self) -> str:
        if self.before is _ABSENT:
            return "added"
        if self.after is _ABSENT:
            return "removed"
        return "changed"

    def describe(self) -> str:
        where = f" ({self.position})" if self.position is not None else ""
        return f"{self.key}: {show_value(self.before)} -> {show_value(self.after)}{where}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "before": None if self.before is _ABSENT else self.before,
            "after": None if self.after is _ABSENT else self.after,
            "position": self.position.to_dict() if self.position is not None else None,
        }


class _Absent:
    def __repr__(self) -> str:
        return "(unset)"


_ABSENT: Any = _Absent()


def show_value(value: Any) -> str:
    """A changed value as the reports print it (``(unset)``, ``true``, ``""``, shortened)."""
    if value is _ABSENT:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if value == "":
        return '""'

    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class StatusChange:
    """One ``cilium status`` line that will read differently after the change."""

    fact: str
    status_line: str
    node: str | None
    before: str | None
    after: str | None
    keys: tuple[KeyChange, ...]
    disruptive: bool = False
    why_disruptive: str | None = None
    condition: str | None = None

    @property
    def position(self) -> Position | None:
        return next((k.position for k in self.keys if k.position is not None), None)

    def message(self) -> str:
        node = f" on {self.node}" if self.node else ""
        text = (
            f"{self.status_line}{node}: {self.before or '(not shown)'} -> "
            f"{self.after or '(not shown)'}"
        )
        if self.keys:
            text += "; because " + ", ".join(k.describe() for k in self.keys[:4])
        if self.disruptive:
            text += f". Disruptive: {self.why_disruptive}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "status_line": self.status_line,
            "node": self.node,
            "before": self.before,
            "after": self.after,
            "disruptive": self.disruptive,
            "why_disruptive": self.why_disruptive,
            "condition": self.condition,
            "keys": [k.to_dict() for k in self.keys],
        }


@dataclass(frozen=True)
class ImpactReport:
    changes: tuple[StatusChange, ...]
    key_changes: tuple[KeyChange, ...]
    facts: tuple[str, ...]  # every fact compared
    nodes: tuple[str | None, ...]
    base: str = "base"
    head: str = "head"
    cilium_version: str | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    tool_version: str = ""

    @property
    def disruptive(self) -> tuple[StatusChange, ...]:
        return tuple(c for c in self.changes if c.disruptive)

    @property
    def unexplained_keys(self) -> tuple[KeyChange, ...]:
        """Changed keys that move no status line (resources, Hubble UI, annotations …)."""
        used = {k.key for c in self.changes for k in c.keys}
        return tuple(k for k in self.key_changes if k.key not in used)

    def summary(self) -> str:
        lines = len({(c.fact, c.node) for c in self.changes})
        return (
            f"{len(self.key_changes)} key(s) changed, {lines} status line(s) change, "
            f"{len(self.disruptive)} disruptive"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "tool": {"name": "ciliumdrift", "version": self.tool_version},
            "base": self.base,
            "head": self.head,
            "cilium_version": self.cilium_version,
            "nodes": list(self.nodes),
            "summary": {
                "keys_changed": len(self.key_changes),
                "status_changes": len(self.changes),
                "disruptive": len(self.disruptive),
            },
            "changes": [c.to_dict() for c in self.changes],
            "key_changes": [k.to_dict() for k in self.key_changes],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


# -- the library function -----------------------------------------------------------------


def impact(
    base: Declared,
    head: Declared,
    *,
    nodes: Sequence[NodeSpec] = ((None, None),),
    base_label: str = "base",
    head_label: str = "head",
) -> ImpactReport:
    """What changes at runtime when ``base`` becomes ``head``, per node."""

    key_changes = diff_values(base.values, head.values)
    reads = {fact.id: fact.reads for fact in FACTS}
    shared = {
        f.status_line for f in FACTS if sum(g.status_line == f.status_line for g in FACTS) > 1
    }
    status_lines = {
        fact.id: f"{fact.status_line} ({fact.id})"
        if fact.status_line in shared and fact.id != "-".join(fact.status_line.lower().split())
        else fact.status_line
        for fact in FACTS
    }
    disruptive = _disruptive()
    changes: list[StatusChange] = []
    for node, kernel in nodes:
        before = derive(base, node=node, kernel=kernel)
        after = derive(head, node=node, kernel=kernel)
        for fact_id in dict.fromkeys([*before, *after]):
            old, new = before.get(fact_id), after.get(fact_id)
            old_value = old.value if old is not None else None
            new_value = new.value if new is not None else None
            if old_value == new_value:
                continue
            keys = _explaining(key_changes, reads.get(fact_id, ()), new, old)
            changes.append(
                StatusChange(
                    fact=fact_id,
                    status_line=status_lines.get(fact_id, fact_id),
                    node=node,
                    before=old_value,
                    after=new_value,
                    keys=keys,
                    disruptive=fact_id in disruptive,
                    why_disruptive=disruptive.get(fact_id),
                    condition=new.condition if new is not None else None,
                )
            )
    version = (
        head.cilium_version.value if head.cilium_version is not None else head.values.chart_version
    )
    return ImpactReport(
        changes=tuple(changes),
        key_changes=key_changes,
        facts=tuple(f.id for f in FACTS),
        nodes=tuple(n for n, _ in nodes),
        base=base_label,
        head=head_label,
        cilium_version=version,
        diagnostics=tuple(dict.fromkeys((*base.diagnostics, *head.diagnostics))),
        tool_version=__version__,
    )


def _explaining(
    changes: tuple[KeyChange, ...], reads: Iterable[str], new: Any, old: Any
) -> tuple[KeyChange, ...]:
    """The changed keys a fact reads (a changed parent or child of a read key counts)."""
    wanted = tuple(reads)
    for expectation in (new, old):
        source = getattr(getattr(expectation, "source", None), "key", None)
        if source:
            wanted = (*wanted, source)
    found = tuple(
        c
        for c in changes
        if any(c.key == r or c.key.startswith(r + ".") or r.startswith(c.key + ".") for r in wanted)
    )
    return found or changes[:4]


@lru_cache(maxsize=1)
def _disruptive() -> Mapping[str, str]:
    rows = load("lint/disruptive.yaml")["disruptive"]
    return {str(r["fact"]): str(r["why"]) for r in rows}


def diff_values(base: HelmValues, head: HelmValues) -> tuple[KeyChange, ...]:
    """The merged values' structural diff (deepdiff), as dotted keys with head positions."""
    from deepdiff import DeepDiff

    diff = DeepDiff(dict(base.values), dict(head.values), ignore_order=False, view="tree")
    found: dict[str, KeyChange] = {}
    for items in diff.values():
        for item in items:
            path = [p for p in item.path(output_format="list")]
            keys = tuple(str(p) for p in _until_list(path))
            if not keys:
                continue
            dotted = join_key(keys)
            if dotted in found:
                continue
            before = base.raw(dotted, _ABSENT)
            after = head.raw(dotted, _ABSENT)
            found[dotted] = KeyChange(
                dotted, before, after, _position(head, dotted) or _position(base, dotted)
            )
    return tuple(sorted(found.values(), key=lambda c: c.key))


def _until_list(path: list[Any]) -> list[Any]:
    """A list element's change is reported on the list's key (lists are replaced whole)."""
    out: list[Any] = []
    for part in path:
        if isinstance(part, int):
            break
        out.append(part)
    return out


def _position(values: HelmValues, key: str) -> Position | None:
    origin = values.sources.get(key)
    return origin.position if origin is not None else None


# -- loading both sides -------------------------------------------------------------------

_VALUES_GLOBS = ("values*.yaml", "values*.yml")
_TALOS_GLOBS = ("talos*.yaml", "talos*.yml")


def side_files(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """(values files, Talos files) for files and example-shaped folders, in order."""
    values: list[str] = []
    talos: list[str] = []
    for given in paths:
        path = Path(given)
        if given != "-" and path.is_dir():
            found = sorted({p for g in _VALUES_GLOBS for p in path.glob(g)})
            if not found:
                found = sorted(p for p in path.glob("*.y*ml") if not p.name.startswith("talos"))
            values += [str(p) for p in found]
            talos += [str(p) for p in sorted({p for g in _TALOS_GLOBS for p in path.glob(g)})]
        else:
            values.append(given)
    return values, talos


def load_side(
    paths: Sequence[str], *, talos: Sequence[str] = (), cilium_version: str | None = None
) -> Declared:
    """One side of the comparison from files or folders on disk."""
    values, found_talos = side_files(paths)
    if not values:
        raise InputError(f"no values files in {', '.join(paths) or 'the arguments'}")
    return _declared(values, [*found_talos, *talos], cilium_version)


def load_git_side(
    ref: str, paths: Sequence[str], *, talos: Sequence[str] = (), cilium_version: str | None = None
) -> Declared:
    """The same paths as they were at a git ref (``git show REF:./path``; no shell)."""

    if not ref or ref.startswith("-"):
        raise InputError(f"not a git ref: {ref!r}")
    with tempfile.TemporaryDirectory(prefix="ciliumdrift-git-") as folder:
        values: list[str] = []
        talos_files: list[str] = []
        for given in paths:
            for relative in _git_files(ref, given):
                target = Path(folder) / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(_git_show(ref, relative))
                is_talos = Path(relative).name.startswith("talos")
                (talos_files if is_talos and Path(given).is_dir() else values).append(str(target))
        for relative in talos:
            target = Path(folder) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_git_show(ref, relative))
            talos_files.append(str(target))
        if not values:
            raise InputError(f"no values files at {ref} in {', '.join(paths)}")
        declared = _declared(values, talos_files, cilium_version)
        return _renamed(declared, folder + "/", f"{ref}:")


def _git(*args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], capture_output=True, timeout=60, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed (needed for --git-base)") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"git {' '.join(args)} timed out") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"git {' '.join(args)}: {reason[-1] if reason else 'failed'}")
    return done.stdout


def _git_show(ref: str, relative: str) -> bytes:
    return _git("show", f"{ref}:./{relative}")


def _git_files(ref: str, given: str) -> list[str]:
    """The values files at ``ref`` for a file or a folder path (relative to the cwd)."""
    relative = (
        Path(given).as_posix().lstrip("./") if not Path(given).is_absolute() else _relative(given)
    )
    if not Path(given).is_dir():
        return [relative]
    listed = _git("ls-tree", "--name-only", f"{ref}:./{relative}").decode("utf-8").splitlines()
    names = sorted(n for n in listed if n.endswith((".yaml", ".yml")))
    chosen = [n for n in names if n.startswith(("values", "talos"))] or names
    return [f"{relative}/{n}" for n in chosen]


def _relative(path: str) -> str:
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        raise InputError(
            f"{path} is outside the working directory (needed for --git-base)"
        ) from None


def _renamed(declared: Declared, prefix: str, label: str) -> Declared:
    """Positions in temporary copies renamed to ``REF:path``."""

    def rename(origin: Origin) -> Origin:
        position = origin.position
        if position is None or not position.file.startswith(prefix):
            return origin
        return replace(
            origin, position=replace(position, file=label + position.file[len(prefix) :])
        )

    sources = {key: rename(origin) for key, origin in declared.values.sources.items()}
    return replace(declared, values=replace(declared.values, sources=sources))


def _declared(values: Sequence[str], talos: Sequence[str], cilium_version: str | None) -> Declared:
    return load_declared(list(values), talos_files=list(talos), cilium_version=cilium_version)

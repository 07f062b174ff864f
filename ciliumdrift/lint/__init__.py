"""Lint Helm values for Cilium before they are merged: ``lint(files) -> LintReport``.

    report = lint(["cilium/values.yaml"], talos_files=["talos/controlplane.yaml"])
    for violation in report.violations:
        print(violation.position, violation.code, violation.message)

The rules live in :mod:`ciliumdrift.lint.rules` (one module per family); this module reads
the files, builds the :class:`LintContext`, runs the selected rules and applies inline
suppressions centrally.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ciliumdrift import __version__
from ciliumdrift.config import Settings
from ciliumdrift.datafiles import load
from ciliumdrift.errors import CiliumdriftError, InputError, UnsupportedVersion
from ciliumdrift.lint.model import agent_conflicts
from ciliumdrift.lint.rule import Family, LintContext, LintReport, Rule, Violation, rule
from ciliumdrift.lint.rules import BY_CODE, RULES
from ciliumdrift.lint.rules.hygiene import has_conflict_marker
from ciliumdrift.lint.suppress import apply_suppressions, parse_suppressions, suppressions_in
from ciliumdrift.load import chart as chart_data
from ciliumdrift.load import load_talos
from ciliumdrift.load.gitops import minor_of_range
from ciliumdrift.load.written import merge_documents, read_written_sources
from ciliumdrift.load.yaml import lenient_reading
from ciliumdrift.model import Diagnostic, Severity
from ciliumdrift.textio import read_text, reading_once

if TYPE_CHECKING:
    from ciliumdrift.config import Settings
    from ciliumdrift.load.model import TalosFacts

__all__ = ["Family", "LintContext", "LintReport", "Rule", "Violation", "lint", "lint_texts", "rule"]


def lint(
    files: Sequence[str | Path],
    *,
    talos_files: Sequence[str | Path] = (),
    cilium_version: str | None = None,
    settings: Settings | None = None,
    layered: bool = False,
) -> LintReport:
    """Lint values files (``-`` is standard input), optionally against Talos configs.

    Each file is linted on its own (a pre-commit run passes unrelated files); with
    ``layered=True`` the files are the ``-f`` layers of one release, merged in order, and
    the cross-setting rules see the merged result. The Cilium version comes from
    ``cilium_version``, else the settings, else the chart version a Flux/Argo wrapper
    names, else the newest bundled chart. Raises only
    :class:`~ciliumdrift.errors.CiliumdriftError` (unreadable or broken input).
    """

    # One reading for the run: each file is read and parsed once, even one linted on its own
    # and again as the file a wrapper beside it points at.
    with reading_once():
        sources = [read_text(f) for f in files]
        talos = _load_talos(tuple(str(t) for t in talos_files)) if talos_files else None
        with lenient_reading():
            if layered or len(sources) <= 1:
                return lint_texts(
                    sources, talos=talos, cilium_version=cilium_version, settings=settings
                )
            reports = [
                lint_texts([source], talos=talos, cilium_version=cilium_version, settings=settings)
                for source in sources
            ]
    return combine(reports)


def combine(reports: Sequence[LintReport]) -> LintReport:
    """One report for files linted one by one."""
    versions = ", ".join(dict.fromkeys(r.cilium_version for r in reports))
    # a values file a wrapper points at is linted with the wrapper and on its own: once
    return LintReport(
        violations=tuple(_unique(v for r in reports for v in r.violations)),
        files=tuple(f for r in reports for f in r.files),
        cilium_version=versions,
        rules=tuple(dict.fromkeys(c for r in reports for c in r.rules)),
        diagnostics=tuple(dict.fromkeys(d for r in reports for d in r.diagnostics)),
        suppressed=sum(r.suppressed for r in reports),
        tool_version=reports[0].tool_version if reports else "",
    )


def lint_texts(
    sources: Sequence[tuple[str, str]],
    *,
    talos: TalosFacts | None = None,
    cilium_version: str | None = None,
    settings: Settings | None = None,
) -> LintReport:
    """Lint ``(name, text)`` pairs already read (the library form of :func:`lint`).

    Each text is parsed once (:func:`~ciliumdrift.load.yaml.lenient_reading`) and each file
    a wrapper points at is read once (:func:`~ciliumdrift.textio.reading_once`): the same
    documents give the layers as written and the model's values.
    """

    with reading_once(), lenient_reading():
        return _lint_texts(sources, talos, cilium_version, settings or Settings())


def _lint_texts(
    sources: Sequence[tuple[str, str]],
    talos: TalosFacts | None,
    cilium_version: str | None,
    settings: Settings,
) -> LintReport:
    conflicted = [name for name, text in sources if has_conflict_marker(text)]
    reading = read_written_sources(sources, conflicted=conflicted)
    documents = list(reading.documents)
    diagnostics: list[Diagnostic] = list(reading.diagnostics)
    texts = {**dict(sources), **dict(reading.extra_texts)}
    requested = cilium_version or settings.cilium_version
    wrapper = next((d for d in documents if d.chart_version), None)
    version, chart, notes = _chart(requested, wrapper.chart_version if wrapper else None)
    diagnostics.extend(Diagnostic(n) for n in notes)
    merged = merge_documents(tuple(documents), version)
    selected = select_rules(RULES, settings.select, settings.ignore)
    conflicts: tuple[Any, ...] = ()
    if any(unit.view for unit in selected) and chart:
        conflicts, notes_of_model = agent_conflicts(
            _model_sources(sources, documents), talos=talos, cilium_version=version
        )
        diagnostics.extend(notes_of_model)
    ctx = LintContext(
        documents=tuple(documents),
        values=merged.values,
        cilium_version=version,
        texts=texts,
        value_positions=merged.value_positions,
        known_keys=chart.get("known_keys"),
        open_maps=chart.get("open_maps", frozenset()),
        chart_defaults=chart.get("defaults", {}),
        talos=talos,
        data=lint_data(),
        conflicts=conflicts,
    )
    found: list[Violation] = []
    for unit in selected:
        try:
            found.extend(unit.run(ctx))
        except CiliumdriftError:
            raise
        except Exception as error:  # a rule defect must not hide the other rules' findings
            diagnostics.append(
                Diagnostic(
                    f"rule {unit.code} failed: {type(error).__name__}: {error}", code=unit.code
                )
            )
    suppressions = {
        name: suppressions_in((c.position.line, c.text) for c in reading.comments[name])
        if name in reading.comments
        else parse_suppressions(text)
        for name, text in texts.items()
    }
    kept, suppressed = apply_suppressions(_one_per_line(_unique(found)), BY_CODE, suppressions)
    if not requested and wrapper is None:  # no version known: the chart stood in for it
        kept = [_version_unknown(v, version) for v in kept]
        diagnostics = [
            Diagnostic(
                f"Cilium version unknown: the {version} chart stands in, version-dependent "
                "findings are notes (pass --cilium-version or set cilium-version in "
                ".ciliumdrift.yaml)",
                code="version-unknown",
            ),
            *(d for d in diagnostics if not d.message.startswith("no Cilium version given")),
        ]
    kept.sort(key=lambda v: (v.position.file, v.position.line, v.position.column, v.code))
    return LintReport(
        violations=tuple(kept),
        files=tuple(name for name, _ in sources),
        cilium_version=version,
        rules=tuple(r.code for r in selected),
        diagnostics=tuple(diagnostics),
        suppressed=suppressed,
        tool_version=__version__,
    )


@lru_cache(maxsize=1)
def _keys_of_any_version() -> frozenset[str]:
    return frozenset().union(
        *(chart_data.bundled_chart(v).known_keys for v in chart_data.available_versions())
    )


# Rules whose verdict depends on the Cilium version (which keys and values its chart reads).
VERSION_DEPENDENT_RULES = frozenset({"CD101", "CD401", "CD402", "CD403", "CD404"})


def _version_unknown(violation: Violation, stand_in: str) -> Violation:
    """With no Cilium version known, a version-dependent violation is a note (exit 0)."""
    if violation.code not in VERSION_DEPENDENT_RULES or violation.severity is Severity.NOTE:
        return violation
    if violation.code == "CD101" and violation.key not in _keys_of_any_version():
        return violation  # unknown to every chart version: a typo whatever the version
    return replace(
        violation,
        severity=Severity.NOTE,
        message=f"{violation.message} (Cilium version unknown: checked against the "
        f"{stand_in} chart)",
    )


def select_rules(
    rules: Iterable[Rule], select: Sequence[str], ignore: Sequence[str]
) -> tuple[Rule, ...]:
    """The rules ``--select`` names (all when empty) minus those ``--ignore`` names."""

    rules = tuple(rules)
    for selector in (*select, *ignore):
        if not any(r.matches(selector) for r in rules):
            raise InputError(f"unknown rule {selector!r} (see `ciliumdrift rules`)")
    chosen = [r for r in rules if not select or any(r.matches(s) for s in select)]
    return tuple(r for r in chosen if not any(r.matches(s) for s in ignore))


def _model_sources(
    sources: Sequence[tuple[str, str]], documents: Sequence[Any]
) -> list[tuple[str, str]]:
    """The texts the model loads: the linted files that hold values (not a lone Flux source
    or ConfigMap a wrapper among them uses; the loader finds those itself)."""
    holding = {d.name for d in documents if d.root is not None}
    return [(name, text) for name, text in sources if name in holding] or list(sources)


def _one_per_line(violations: list[Violation]) -> list[Violation]:
    """A rule that is a view of the model wins over the same rule's data check on a line.

    ``unknown-key``, ``invalid-value``, ``removed-key`` and ``removed-value`` are checked
    from data for every key, and the model reports the keys the agent reads: on a line
    both report, the model's words stand (they are the words ``check`` uses).
    """

    rank = {Severity.NOTE: 0, Severity.WARNING: 1, Severity.ERROR: 2}
    data: dict[tuple[str, str, int], Severity] = {}
    for v in violations:
        if v.fact is None:
            mark = (v.code, v.position.file, v.position.line)
            data[mark] = max(data.get(mark, v.severity), v.severity, key=rank.__getitem__)
    viewed = {
        (v.code, v.position.file, v.position.line)
        for v in violations
        if v.fact is not None and BY_CODE[v.code].view
    }
    out = []
    for v in violations:
        mark = (v.code, v.position.file, v.position.line)
        if v.fact is None and mark in viewed:
            continue  # the model's violation stands for it, at the data check's severity
        if v.fact is not None and mark in data and rank[data[mark]] > rank[v.severity]:
            v = replace(v, severity=data[mark])
        out.append(v)
    return out


def _unique(violations: Iterable[Violation]) -> list[Violation]:
    seen: set[tuple[Any, ...]] = set()
    out: list[Violation] = []
    for v in violations:
        identity = (v.code, v.position, v.message)
        if identity not in seen:
            seen.add(identity)
            out.append(v)
    return out


@lru_cache(maxsize=1)
def lint_data() -> Mapping[str, Any]:
    """The data files the rules read: removed keys/values, value enums, kernel thresholds.

    Read from their compiled form (:mod:`ciliumdrift.datafiles`): no YAML parse per run.
    """

    return {
        "removed": load("removed.yaml"),
        "enums": load("lint/enums.yaml"),
        "kernel": load("kernel.yaml"),
    }


def _chart(
    requested: str | None, from_wrapper: str | None
) -> tuple[str, dict[str, Any], list[str]]:
    """(version, chart facts, notes). Chart facts: known_keys, open_maps, defaults.

    The chart data belongs to the loader (:mod:`ciliumdrift.load.chart`). A version with no
    bundled data is an error when the caller asked for it, and a note (key checks skipped)
    when only a wrapper named it.
    """

    notes: list[str] = []
    if not requested and from_wrapper and minor_of_range(from_wrapper):
        notes.append(f"chart version {from_wrapper!r} is a range: linting for its minor release")
        from_wrapper = minor_of_range(from_wrapper)
    version = requested or from_wrapper
    try:
        resolved, note = chart_data.resolve_version(version)
    except UnsupportedVersion:
        if requested:
            raise
        notes.append(
            f"no chart data for Cilium {version} (named by the wrapper); key checks skipped"
        )
        return str(version), {}, notes
    if note:
        notes.append(note)
    facts: dict[str, Any] = {
        "known_keys": frozenset(chart_data.known_keys(version or resolved)),
        "open_maps": frozenset(chart_data.open_maps(resolved)),
        "defaults": chart_data.chart_defaults(resolved).values,
    }
    return version or resolved, facts, notes


def _load_talos(files: tuple[str, ...]) -> TalosFacts:
    return load_talos(files)

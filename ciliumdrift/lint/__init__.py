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
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ciliumdrift.lint.rule import Family, LintContext, LintReport, Rule, Violation, rule

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
    from ciliumdrift.textio import read_text

    sources = [read_text(f) for f in files]
    talos = _load_talos(tuple(str(t) for t in talos_files)) if talos_files else None
    if layered or len(sources) <= 1:
        return lint_texts(sources, talos=talos, cilium_version=cilium_version, settings=settings)
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
    """Lint ``(name, text)`` pairs already read (the library form of :func:`lint`)."""
    from ciliumdrift import __version__
    from ciliumdrift.config import Settings
    from ciliumdrift.errors import CiliumdriftError
    from ciliumdrift.lint.document import merge_documents
    from ciliumdrift.lint.rules import BY_CODE, RULES
    from ciliumdrift.lint.sources import read_values_sources
    from ciliumdrift.lint.suppress import apply_suppressions, parse_suppressions
    from ciliumdrift.model import Diagnostic

    settings = settings or Settings()
    reading = read_values_sources(sources)
    documents = list(reading.documents)
    diagnostics: list[Diagnostic] = list(reading.diagnostics)
    texts = {**dict(sources), **dict(reading.extra_texts)}
    requested = cilium_version or settings.cilium_version
    wrapper = next((d for d in documents if d.chart_version), None)
    version, chart, notes = _chart(requested, wrapper.chart_version if wrapper else None)
    diagnostics.extend(Diagnostic(n) for n in notes)
    merged = merge_documents(tuple(documents), version)
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
    )
    selected = select_rules(RULES, settings.select, settings.ignore)
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
    suppressions = {name: parse_suppressions(text) for name, text in texts.items()}
    kept, suppressed = apply_suppressions(_unique(found), BY_CODE, suppressions)
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


def select_rules(
    rules: Iterable[Rule], select: Sequence[str], ignore: Sequence[str]
) -> tuple[Rule, ...]:
    """The rules ``--select`` names (all when empty) minus those ``--ignore`` names."""
    from ciliumdrift.errors import InputError

    rules = tuple(rules)
    for selector in (*select, *ignore):
        if not any(r.matches(selector) for r in rules):
            raise InputError(f"unknown rule {selector!r} (see `ciliumdrift rules`)")
    chosen = [r for r in rules if not select or any(r.matches(s) for s in select)]
    return tuple(r for r in chosen if not any(r.matches(s) for s in ignore))


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
    from ciliumdrift.datafiles import load

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
    from ciliumdrift.errors import UnsupportedVersion
    from ciliumdrift.load import chart as chart_data
    from ciliumdrift.load.gitops import minor_of_range

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
    from ciliumdrift.load import load_talos

    return load_talos(files)

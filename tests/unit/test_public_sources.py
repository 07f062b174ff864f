"""Every source the product cites is one a user can open.

Evidence strings, fact and rule docs, data-file ``source`` fields and ``docs/*.md`` may cite:
a URL (docs.cilium.io, the Talos docs, GitHub), a path in a public repository at a release
tag (``cilium/cilium@v1.18.0:pkg/kpr/kpr.go``), an issue, PR or commit number, or a file the
package itself ships. They may not cite working notes that ship with nothing
(``cilium-rules.md §4``, ``talos.md``, ``siderolabs/docs:…@473164d5``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "ciliumdrift"

# Documentation and source files: a bare name of one of these is a citation.
_CITED_FILE = re.compile(
    r"(?<![\w/.@:-])(?P<path>(?:[\w.*-]+/)*[\w.*-]+\.(?:md|mdx|rst|go|tpl|tsv))(?![\w/])"
)
# Paths into a repository tree (a slash and a data/source extension).
_CITED_PATH = re.compile(
    r"(?<![\w/.@:-])(?P<path>(?:pkg|daemon|install|Documentation|operator|cilium-dbg|website|"
    r"public|reference|research|corpus|shared|sysdump)/(?:[\w.*-]+/)*[\w.*-]+\.(?:ya?ml|json|txt))"
    r"(?![\w/])"
)
_URL = re.compile(r"https?://[^\s\"'<>`)\]]+")
# ``owner/repo@tag:`` (a tag such as v1.18.0, or ``@vA vs @vB:``) right before a path.
_AT_TAG = re.compile(r"[\w.-]+/[\w.-]+@v?\d[\w.-]*(?: (?:vs|and) @v?\d[\w.-]*)?:$")
# The same repository-at-tag earlier in the clause covers ``… tc.go and cell.go``.
_CLAUSE_TAG = re.compile(r"[\w.-]+/[\w.-]+@v?\d[\w.-]*:")
# Pins to a commit hash of a docs repo or a stored copy: not a release anyone can browse to.
_HASH_PIN = re.compile(r"[\w.-]+/[\w.-]+:[^\s\"';]*@[0-9a-f]{7,40}\b")
_INTERNAL_NOTES = re.compile(
    r"\b(?:cilium-rules|status-format|ecosystem|aesthetics|cilium-signals|values-to-config|"
    r"talos)\.md\b|shared/reference|siderolabs/docs:"
)


def _files() -> list[Path]:
    shipped = [
        p
        for p in sorted(PACKAGE.rglob("*"))
        if p.is_file()
        and p.suffix in {".py", ".yaml", ".yml", ".json", ".md", ".txt"}
        and "__pycache__" not in p.parts
        and not (p.parent.name.startswith("1.") and p.suffix == ".json")  # chart data
    ]
    docs = sorted((REPO / "docs").glob("*.md"))
    return [*shipped, *docs, REPO / "README.md"]


def _exists(path: str, where: Path) -> bool:
    """A file of the package, or of the repository whose docs the package links to."""
    if "*" in path:
        return False
    for base in (where.parent, PACKAGE, PACKAGE / "data", REPO):
        candidate = (base / path).resolve()
        if candidate.is_file() and candidate.is_relative_to(REPO):
            return True
    return False


def _clause_before(text: str, start: int) -> str:
    """The text of the citation clause before ``start`` (back to ``;``, a blank line or a quote)."""
    window = text[max(0, start - 300) : start]
    for stop in (";", "\n\n", '"', "\n#"):
        cut = window.rfind(stop)
        if cut >= 0:
            window = window[cut + len(stop) :]
    return window


def unpublished_citations(path: Path) -> list[str]:
    """Every citation in ``path`` a user could not open, as ``line: text`` strings."""
    text = path.read_text(encoding="utf-8")
    urls = [m.span() for m in _URL.finditer(text)]

    def in_url(index: int) -> bool:
        return any(start <= index < end for start, end in urls)

    problems: list[tuple[int, str]] = []
    if "§" in text:
        problems.extend(
            (m.start(), "a section sign (§) cites notes that do not ship")
            for m in re.finditer("§", text)
        )
    for match in _INTERNAL_NOTES.finditer(text):
        if not in_url(match.start()):
            problems.append((match.start(), f"internal notes {match.group(0)!r}"))
    for match in _HASH_PIN.finditer(text):
        if not in_url(match.start()):
            problems.append((match.start(), f"pinned to a commit hash: {match.group(0)!r}"))
    for pattern in (_CITED_FILE, _CITED_PATH):
        for match in pattern.finditer(text):
            cited, start = match.group("path"), match.start()
            if in_url(start) or _exists(cited, path):
                continue
            before = text[max(0, start - 80) : start]
            if _AT_TAG.search(before) or _CLAUSE_TAG.search(_clause_before(text, start)):
                continue
            problems.append((start, f"{cited!r} is neither shipped nor a path at a tag"))
    return [f"{text.count(chr(10), 0, at) + 1}: {why}" for at, why in sorted(set(problems))]


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_citation_is_public_or_shipped(path: Path) -> None:
    problems = unpublished_citations(path)
    assert not problems, f"{path.relative_to(REPO)}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "citation",
    [
        "the agent reads its config once (cilium-rules.md §1.1)",
        "see talos.md for the kernel table",
        "source: siderolabs/docs:public/talos/v1.12/what's-new.mdx@473164d5",
        "checked in pkg/datapath/loader/tc.go",
        "the chart (reference/chart/values-to-config.md)",
    ],
)
def test_the_check_catches_unpublished_citations(tmp_path: Path, citation: str) -> None:
    probe = tmp_path / "probe.md"
    probe.write_text(f'Evidence("{citation}")\n', encoding="utf-8")
    assert unpublished_citations(probe)


@pytest.mark.parametrize(
    "citation",
    [
        "cilium/cilium@v1.18.0:pkg/kpr/kpr.go and cell.go",
        "https://docs.cilium.io/en/stable/configuration/per-node-config/",
        "cilium/cilium PR #31286 (commit 6a83269bee); siderolabs/talos#9132",
        "cilium/cilium@v1.14.19 vs @v1.15.19:install/kubernetes/cilium/values.yaml",
    ],
)
def test_the_check_accepts_public_citations(tmp_path: Path, citation: str) -> None:
    probe = tmp_path / "probe.md"
    probe.write_text(f'Evidence("{citation}")\n', encoding="utf-8")
    assert unpublished_citations(probe) == []

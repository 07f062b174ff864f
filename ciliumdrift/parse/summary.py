"""The cilium-cli ``cilium status`` summary: the ASCII logo, workloads, containers, images.

It says little about the datapath, but it says whether the agents are OK and which image
(and so which Cilium version) runs, and people paste it as "the status". The text parser
feeds it line by line (a paste may hold both this and the agent's output).
"""

from __future__ import annotations

from ciliumdrift.parse.labels import CLI_BLOCKS, CLI_COMPONENTS
from ciliumdrift.parse.model import (
    CiliumState,
    CliSummary,
    Hubble,
    SummaryContainer,
    SummaryImage,
    SummaryProblem,
    SummaryWorkload,
)
from ciliumdrift.regex import lazy_pattern

_LOGO_CHARS = frozenset(" /\\_¯|")
_WORKLOAD_FIELD = lazy_pattern(r"(Desired|Ready|Available|Unavailable): (\d+)(?:/\d+)?")
_CONTAINER_STATE = lazy_pattern(r"([A-Za-z]+): (\d+)")
_PODS = lazy_pattern(r"(\d+)/(\d+) managed by Cilium")
_RELEASE_TAG = lazy_pattern(r":v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)(?:@|$)")


def strip_logo(text: str) -> tuple[str, bool]:
    """`` /¯¯\\__/¯¯\\    Cilium:   OK`` -> ("Cilium:   OK", True)."""
    if "¯" not in text and "\\__/" not in text:
        return text, False
    index = 0
    while index < len(text) and text[index] in _LOGO_CHARS:
        index += 1
    return text[index:].strip(), True


def component_state(text: str) -> bool:
    """A cilium-cli component cell: OK, disabled, ``4 errors``, ``1 errors, 2 warnings``."""
    head = text.lstrip()[:1]
    if head != "O" and head != "d" and not head.isdecimal():
        return False  # the agent's own lines (``Cilium:   Ok   1.18.4 …``) end here
    words = text.replace(",", " ").split()
    if not words:
        return False
    if words == ["OK"] or words[0] == "disabled":
        return True
    return all(w.isdecimal() or w in ("errors", "warnings", "error", "warning") for w in words)


def block_label(text: str) -> tuple[str, str] | None:
    """Which summary block a line opens, and the rest of the line."""
    for label in CLI_BLOCKS:
        if text.startswith(label):
            rest = text[len(label) :]
            if rest.startswith(":"):
                return label, rest[1:].strip()
            if rest.startswith(" ") and label in ("DaemonSet", "Deployment", "Image versions"):
                return label, rest.strip()
    return None


class SummaryBuilder:
    """Collects the summary's rows; :meth:`build` returns the frozen :class:`CliSummary`."""

    def __init__(self) -> None:
        self.components: list[tuple[str, str]] = []
        self.workloads: list[SummaryWorkload] = []
        self.containers: list[SummaryContainer] = []
        self.images: list[SummaryImage] = []
        self.problems: list[SummaryProblem] = []
        self.errors: list[str] = []
        self.pods: tuple[int, int] | None = None
        self.chart: str | None = None
        self.block: str | None = None
        self.seen = False

    def component(self, text: str) -> bool:
        label, sep, value = text.partition(":")
        if not sep or label.strip() not in (*CLI_COMPONENTS, "Hubble"):
            return False
        self.components.append((label.strip(), " ".join(value.split())))
        self.seen = True
        return True

    def error(self, text: str) -> None:
        self.errors.append(" ".join(text.split()))
        self.seen = True

    def block_line(self, label: str, rest: str) -> bool:
        """A line that opens a block; False when its content cannot be read."""
        self.block = label
        self.seen = True
        if label in ("DaemonSet", "Deployment"):
            return self._workload(label, rest)
        if label == "Cluster Pods":
            match = _PODS.search(rest)
            if match:
                self.pods = (int(match[1]), int(match[2]))
            return match is not None
        if label == "Helm chart version":
            self.chart = rest.strip() or None
            return bool(rest.strip())
        return self.continuation(rest)

    def continuation(self, text: str) -> bool:
        """A row under the open block (Containers, Image versions, Errors, Warnings)."""
        words = text.split()
        if self.block == "Containers" and words:
            states = tuple((m[1], int(m[2])) for m in _CONTAINER_STATE.finditer(text))
            self.containers.append(SummaryContainer(name=words[0], states=states))
            return True
        if self.block == "Image versions" and len(words) >= 2:
            image = " ".join(words[1:])
            count = None
            head, sep, tail = image.rpartition(": ")
            if sep and tail.isdecimal():
                image, count = head, int(tail)
            tag = _RELEASE_TAG.search(image)
            self.images.append(
                SummaryImage(
                    container=words[0], image=image, count=count, version=tag[1] if tag else None
                )
            )
            return True
        if self.block in ("Errors", "Warnings") and len(words) >= 3:
            severity = "error" if self.block == "Errors" else "warning"
            self.problems.append(SummaryProblem(severity, words[0], words[1], " ".join(words[2:])))
            return True
        return False

    def _workload(self, kind: str, rest: str) -> bool:
        words = rest.split()
        if not words:
            return False
        fields = {m[1]: int(m[2]) for m in _WORKLOAD_FIELD.finditer(rest)}
        self.workloads.append(
            SummaryWorkload(
                kind=kind,
                name=words[0],
                desired=fields.get("Desired"),
                ready=fields.get("Ready"),
                available=fields.get("Available"),
                unavailable=fields.get("Unavailable"),
                text=" ".join(words[1:]),
            )
        )
        return True

    def build(self) -> CliSummary:
        return CliSummary(
            components=tuple(self.components),
            workloads=tuple(self.workloads),
            containers=tuple(self.containers),
            cluster_pods_managed=self.pods[0] if self.pods else None,
            cluster_pods_total=self.pods[1] if self.pods else None,
            helm_chart_version=self.chart,
            images=tuple(self.images),
            problems=tuple(self.problems),
            errors=tuple(self.errors),
        )


def _state(text: str) -> str:
    if text == "OK":
        return "Ok"
    if text == "disabled":
        return "Disabled"
    if "error" in text:
        return "Failure"
    if "warning" in text:
        return "Warning"
    return text


def cilium_from_summary(summary: CliSummary) -> CiliumState | None:
    """The agents' state (and release, from the cilium image tag) as the summary says it."""
    text = summary.component("Cilium")
    if text is None:
        return None
    version = next((i.version for i in summary.images if i.container == "cilium"), None)
    state = _state(text)
    return CiliumState(state=state, version=version, message="" if state == "Ok" else text)


def hubble_from_summary(summary: CliSummary) -> Hubble | None:
    """Hubble Relay OK means the agents run Hubble; anything else says nothing about it."""
    relay = summary.component("Hubble Relay") or summary.component("Hubble")
    if relay != "OK":
        return None
    return Hubble(state="Ok", message="inferred from the cilium-cli summary: Hubble Relay OK")

"""ciliumdrift: is the running Cilium datapath the one your config asks for, and if not, why?

The public API is what ``__all__`` lists. Names are imported on first use so that
``import ciliumdrift`` (and the CLI's start-up) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ciliumdrift.errors import guarded

__version__ = "0.1.0"

_EXPORTS = {
    "check": "ciliumdrift.api",
    "expect": "ciliumdrift.api",
    "load_declared": "ciliumdrift.load",
    "load_values": "ciliumdrift.load",
    "load_talos": "ciliumdrift.load",
    "parse_status": "ciliumdrift.parse",
    "derive": "ciliumdrift.derive",
    "compare": "ciliumdrift.compare",
    "lint": "ciliumdrift.lint",
    "impact": "ciliumdrift.impact",
    "CiliumdriftError": "ciliumdrift.errors",
    "InputError": "ciliumdrift.errors",
    "Report": "ciliumdrift.model",
    "Finding": "ciliumdrift.model",
    "Cause": "ciliumdrift.model",
    "CauseKind": "ciliumdrift.model",
    "Position": "ciliumdrift.model",
    "Origin": "ciliumdrift.model",
    "Status": "ciliumdrift.parse.model",
    "Declared": "ciliumdrift.load.model",
    "HelmValues": "ciliumdrift.load.model",
    "TalosFacts": "ciliumdrift.load.model",
}

__all__ = [
    "Cause",
    "CauseKind",
    "CiliumdriftError",
    "Declared",
    "Finding",
    "HelmValues",
    "InputError",
    "Origin",
    "Position",
    "Report",
    "Status",
    "TalosFacts",
    "__version__",
    "check",
    "compare",
    "derive",
    "expect",
    "impact",
    "lint",
    "load_declared",
    "load_talos",
    "load_values",
    "parse_status",
]

if TYPE_CHECKING:
    from ciliumdrift.api import check, expect
    from ciliumdrift.compare import compare
    from ciliumdrift.derive import derive
    from ciliumdrift.errors import CiliumdriftError, InputError
    from ciliumdrift.impact import impact
    from ciliumdrift.lint import lint
    from ciliumdrift.load import load_declared, load_talos, load_values
    from ciliumdrift.load.model import Declared, HelmValues, TalosFacts
    from ciliumdrift.model import Cause, CauseKind, Finding, Origin, Position, Report
    from ciliumdrift.parse import parse_status
    from ciliumdrift.parse.model import Status


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ciliumdrift' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    if name in _GUARDED:
        value = guarded(value)
    globals()[name] = value
    return value


#: The public functions: every failure they raise is a CiliumdriftError (see errors.guarded).
_GUARDED = frozenset(
    {
        "check",
        "expect",
        "load_declared",
        "load_values",
        "load_talos",
        "parse_status",
        "derive",
        "compare",
        "lint",
        "impact",
    }
)

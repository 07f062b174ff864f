"""PyYAML, for its libyaml C parser, imported without compiling what only its Python reader uses.

``import yaml`` compiles PyYAML's module-level regular expressions, among them the reader's
``NON_PRINTABLE`` class: on Python 3.11 that one compile is about 57 million instructions,
7% of a whole ``ciliumdrift check``, and only PyYAML's pure-Python reader uses it
(the C parser checks characters itself). :func:`pyyaml` imports the package with
``re.compile`` standing in as :func:`~ciliumdrift.regex.lazy_pattern` for PyYAML's own
modules, so that each of those patterns is compiled the first time it is used, by whichever
code uses it (the kubernetes client's kubeconfig loading, for one), and behaves as it always
did.
"""

from __future__ import annotations

import re
import sys
from types import ModuleType
from typing import Any

from ciliumdrift.regex import lazy_pattern


def pyyaml() -> ModuleType | None:
    """The ``yaml`` package when it has libyaml's C parser, else None."""
    module = sys.modules.get("yaml")
    if module is None:
        compile_now = re.compile

        def compile_for(source: Any, flags: Any = 0) -> Any:
            # Only PyYAML's own modules get the stand-in: another thread compiling during
            # this import gets what it asked for.
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if caller == "yaml" or caller.startswith("yaml."):
                return lazy_pattern(source, flags)
            return compile_now(source, flags)

        re.compile = compile_for  # type: ignore[assignment]
        try:
            import yaml as module
        except ImportError:  # pragma: no cover - the kubernetes client depends on PyYAML
            return None
        finally:
            re.compile = compile_now
    return module if getattr(module, "__with_libyaml__", False) else None


__all__ = ["pyyaml"]

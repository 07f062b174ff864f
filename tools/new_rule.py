"""Scaffold a new lint rule: ``python tools/new_rule.py datapath my-new-rule``.

Appends a rule skeleton with the next free code of the family to
``ciliumdrift/lint/rules/<family>.py`` and adds it to that module's ``RULES``. Fill in the
docstring (summary, Why, Bad, Good, Fix) and the check; the registry tests then run the
Bad and Good examples, and ``python -m ciliumdrift.lint.docs > docs/rules.md`` refreshes
the documentation.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

FAMILIES = {"keys": 1, "datapath": 2, "talos": 3, "deprecated": 4, "hygiene": 5}

TEMPLATE = '''

@rule(code="{code}", name="{name}", severity=Severity.WARNING)
def {function}(ctx: LintContext) -> Iterator[Violation]:
    """One line that says what is wrong.

    ## Why
    What the agent or the chart does with this setting, with the reference that says so.

    ## Bad
    ```yaml
    key: bad
    ```

    ## Good
    ```yaml
    key: good
    ```

    ## Fix
    What to write instead.
    """
    if ctx.user("key") == "bad":
        yield {function}.violation(ctx, "key is bad", ctx.value_at("key"), key="key")
'''


def main(argv: list[str]) -> int:
    kebab = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
    if len(argv) != 2 or argv[0] not in FAMILIES or not kebab.fullmatch(argv[1]):
        print(__doc__, file=sys.stderr)
        return 2
    family, name = argv
    module = Path(__file__).resolve().parents[1] / "ciliumdrift" / "lint" / "rules" / f"{family}.py"
    text = module.read_text(encoding="utf-8")
    used = [int(c) for c in re.findall(rf'code="CD{FAMILIES[family]}(\d\d)"', text)]
    code = f"CD{FAMILIES[family]}{max(used, default=0) + 1:02d}"
    function = name.replace("-", "_")
    head, tail = text.rsplit("\nRULES = (", 1)
    text = head.rstrip() + "\n" + TEMPLATE.format(code=code, name=name, function=function)
    text += "\n\nRULES = (" + tail.replace("\n)", f"\n    {function},\n)", 1)
    module.write_text(text, encoding="utf-8")
    print(f"added {code} {name} to {module}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""PyYAML is imported with its module-level patterns compiled on first use, and behaves as
imported normally: its Python reader still refuses what it refused."""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import re
compile_before = re.compile
from ciliumdrift.load.pyyaml import pyyaml
yaml = pyyaml()
assert yaml is not None and re.compile is compile_before
reader = yaml.reader.Reader
assert "_compiled" not in vars(reader.NON_PRINTABLE), "compiled at import"
assert yaml.safe_load("a: [1, 'b']") == {"a": [1, "b"]}  # the pure-Python loader
try:
    yaml.safe_load("a: \\x07")
except yaml.reader.ReaderError as error:
    print("refused", error.character == 7)
assert "_compiled" in vars(reader.NON_PRINTABLE)
assert pyyaml() is yaml
"""


def test_pyyaml_defers_its_patterns_and_still_reads_as_before() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "refused True"

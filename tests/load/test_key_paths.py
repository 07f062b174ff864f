"""Dotted keys: ``split_key`` and ``join_key`` are inverses, with ``\\.`` for a dot in a name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ciliumdrift.load.model import join_key, split_key

NAMES = st.text(alphabet="ab.-_/\\", max_size=6)


def _split_char_by_char(key: str) -> tuple[str, ...]:
    # The rule, spelled out: a backslash takes the next character literally.
    parts, current, escaped = [], "", False
    for char in key:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == ".":
            parts.append(current)
            current = ""
        else:
            current += char
    return (*parts, current)


@given(key=st.text(alphabet="ab.\\", max_size=12))
def test_split_key_follows_the_escaping_rule(key: str) -> None:
    assert split_key(key) == _split_char_by_char(key)


@given(path=st.lists(NAMES.filter(lambda name: "\\" not in name), min_size=1, max_size=5))
def test_join_then_split_gives_the_path_back(path: list[str]) -> None:
    joined = join_key(tuple(path))
    assert split_key(joined) == tuple(path)
    assert joined.replace("\\.", "").count(".") == len(path) - 1


def test_examples() -> None:
    assert split_key("a.b\\.c.d") == ("a", "b.c", "d")
    assert join_key(("a", "b.c", "d")) == "a.b\\.c.d"
    assert join_key(("bpf", "masquerade")) == "bpf.masquerade"

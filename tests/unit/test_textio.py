"""Every input is read the same way: size limit, BOM, binary and encoding errors with a position."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ciliumdrift.errors import InputError
from ciliumdrift.textio import decode, read_text


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        read_text(tmp_path / "nope.yaml")
    assert str(error.value).endswith("nope.yaml:1:1: no such file")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        read_text(tmp_path)


def test_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2048)
    with pytest.raises(InputError, match="limit"):
        read_text(big, limit=1024)


def test_nul_byte_position() -> None:
    with pytest.raises(InputError) as error:
        decode(b"ab\ncd\x00", "f")
    assert str(error.value).startswith("f:2:3:")


def test_bad_utf8_position() -> None:
    with pytest.raises(InputError) as error:
        decode(b"ok\n\xffx", "f")
    assert str(error.value).startswith("f:2:1:")


def test_boms() -> None:
    assert decode(b"\xef\xbb\xbfa: 1", "f") == "a: 1"
    assert decode("a: 1".encode("utf-16"), "f") == "a: 1"


@given(st.binary(max_size=200))
def test_decode_raises_only_input_error(data: bytes) -> None:
    with contextlib.suppress(InputError):
        assert isinstance(decode(data, "f"), str)


@given(st.text(max_size=200).filter(lambda s: "\x00" not in s))
def test_text_round_trips(text: str) -> None:
    assert decode(text.encode("utf-8"), "f") == text.removeprefix("\ufeff")

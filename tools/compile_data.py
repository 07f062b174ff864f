"""Compile ciliumdrift/data/*.yaml into ciliumdrift/data/compiled.json (run after editing)."""

from __future__ import annotations

from pathlib import Path

from ciliumdrift.datafiles import COMPILED, compile_sources, render_compiled

TARGET = Path(__file__).resolve().parents[1] / "ciliumdrift" / "data" / COMPILED


def main() -> None:
    TARGET.write_text(render_compiled(compile_sources()), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()

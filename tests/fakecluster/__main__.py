"""Run the fake cluster standalone: ``python -m tests.fakecluster --agents 500 --latency-ms 100``.

It prints one line, the path of the kubeconfig it wrote, then serves until interrupted
(or for ``--seconds``). Faults: ``--fault hang=3`` makes three agents hang.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.fakecluster.cluster import FakeCluster, Fault


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakecluster", description=__doc__)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--kubeconfig", type=Path, default=None, help="where to write it")
    parser.add_argument("--fault", action="append", default=[], metavar="KIND=COUNT")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
    args = parser.parse_args(argv)
    cluster = FakeCluster(args.agents, latency_ms=args.latency_ms)
    index = 0
    for spec in args.fault:
        kind, _, count = spec.partition("=")
        for _ in range(int(count or 1)):
            cluster.agents[index].fault = Fault(kind)
            index += 1
    cluster.start(args.port)
    path = args.kubeconfig or Path(tempfile.mkdtemp(prefix="fakecluster-")) / "kubeconfig"
    cluster.kubeconfig(path)
    print(path, flush=True)
    try:
        deadline = time.monotonic() + args.seconds if args.seconds else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

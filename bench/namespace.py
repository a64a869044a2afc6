"""Cost of the change and alias checks against the size of the namespace.

``python -m bench.namespace [--names N] [--rounds R]`` starts two reactive-python
kernels and one stock ipykernel side by side.  One reactive kernel holds 10
tracked names, the other ``N`` (100,000 by default): each name a one-item list
written by a registered cell, so every one of them is in the alias index.  Then,
interleaved, each kernel runs a cell that changes a list in place
(``l.append(0)``, alternating with ``l.pop()``), and a cell that looks at it,
``R`` times.  The alias check starts from the names the cell changed, so the
two reactive kernels should take the same time; stock ipykernel runs the same
cells for scale.  Prints medians and the ratio big/small, and writes
``bench/results/namespace.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .core import REACTIVE, STOCK
from .kernels import close_all, start
from .stats import summary

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results" / "namespace.json"

SETUP = "names = {n}\nfor _i in range(names):\n    globals()[f'ns_{{_i}}'] = [_i]"
CHANGE = ("ns_l.append(0)", "ns_l.pop()")


def _prepare(kernel, names: int) -> None:
    kernel.wire.run("ns_l = [1, 2, 3]", "ns-list")
    reply = kernel.wire.run(SETUP.format(n=names), "ns-names", timeout=600)[1]
    if reply["content"]["status"] != "ok":
        raise SystemExit(f"setting up {names} names failed: {reply['content']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.namespace", description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    small, big, stock = start(REACTIVE), start(REACTIVE), start(STOCK)
    try:
        _prepare(small, 10)
        _prepare(big, args.names)
        _prepare(stock, 10)
        tracked = big.wire.value("len(get_ipython().kernel.notebook.aliases)")
        times: dict[str, list[float]] = {"small": [], "big": [], "stock": []}
        for i in range(args.rounds):
            order = [("small", small), ("big", big), ("stock", stock)]
            order = order[i % 3 :] + order[: i % 3]
            for label, kernel in order:
                took, reply = kernel.wire.run(CHANGE[i % 2], "ns-change")
                if reply["content"]["status"] != "ok":
                    raise SystemExit(f"{label}: {reply['content']}")
                times[label].append(took)
        results = {label: summary(values, 1e3) for label, values in times.items()}
        ratio = results["big"]["median"] / results["small"]["median"]
        report = {
            "names": args.names,
            "tracked_names_in_big": int(tracked),
            "rounds": args.rounds,
            "round_trip_ms": results,
            "big_over_small": ratio,
            "small_over_stock": results["small"]["median"] / results["stock"]["median"],
        }
    finally:
        close_all([small, big, stock])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(
        f"a change in place with 10 names: {results['small']['median']:.2f} ms; "
        f"with {args.names:,} names: {results['big']['median']:.2f} ms (x{ratio:.2f}); "
        f"stock ipykernel: {results['stock']['median']:.2f} ms",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m bench [--quick] [--no-peers] [--out PATH] [--publish]``: run the suite and write its results,
a page and a plot.

They go to build/bench/ (not tracked); with ``--publish``, to the committed
bench/results/, docs/performance.md and bench/cascade.png that the README quotes."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from .core import Config
from .kernels import BenchError
from .peers import PEERS_VENV, find_peers, setup_peers
from .report import plot_cascades, render_markdown
from .suite import run_suite

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Destination:
    """Where a run's results, page and plot go."""

    results: Path
    doc: Path
    plot: Path


#: The committed files the README and docs quote.
PUBLISHED = Destination(ROOT / "bench" / "results", ROOT / "docs" / "performance.md", ROOT / "bench" / "cascade.png")
#: Scratch space for runs nobody asked to publish.
SCRATCH = Destination(
    ROOT / "build" / "bench", ROOT / "build" / "bench" / "performance.md", ROOT / "build" / "bench" / "cascade.png"
)


def render(results: dict, to: Destination) -> None:
    """Write the markdown page and the plot."""
    to.doc.parent.mkdir(parents=True, exist_ok=True)
    to.doc.write_text(render_markdown(results) + "\n")
    plot_cascades(results, to.plot)


def write(results: dict, out: Path, to: Destination) -> None:
    """Write the results JSON, the markdown page and the plot."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    tmp.replace(out)
    render(results, to)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller counts and sizes (under two minutes)")
    parser.add_argument("--no-peers", action="store_true", help="measure only stock ipykernel and reactive-python")
    parser.add_argument(
        "--out",
        type=Path,
        help="results file (default latest.json, or quick.json with "
        "--quick, in build/bench/, or in bench/results/ with --publish)",
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="write the committed bench/results/, docs/performance.md and bench/cascade.png",
    )
    parser.add_argument(
        "--peers-python",
        help=f"the Python that has ipyflow and marimo (default: this one, else {PEERS_VENV.name}/bin/python)",
    )
    parser.add_argument(
        "--setup-peers", action="store_true", help=f"create {PEERS_VENV.name} with ipyflow and marimo, then exit"
    )
    parser.add_argument(
        "--render", type=Path, metavar="RESULTS", help="only regenerate the page and the plot from a results file"
    )
    args = parser.parse_args(argv)
    to = PUBLISHED if args.publish else SCRATCH

    if args.setup_peers:
        print(setup_peers())
        return 0
    if args.render:
        render(json.loads(args.render.read_text()), to)
        print(f"wrote {to.doc} and {to.plot}")
        return 0
    out = args.out or to.results / ("quick.json" if args.quick else "latest.json")
    peers = None if args.no_peers else find_peers(args.peers_python)
    try:
        results = run_suite(Config.make(args.quick), peers)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    write(results, out, to)
    print(
        f"wrote {out}, {to.doc} and {to.plot}" + ("" if args.publish else " (--publish to update the committed ones)")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

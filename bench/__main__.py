"""``python -m bench [--quick] [--no-peers] [--out PATH]``: run the suite, write results,
regenerate docs/performance.md and bench/cascade.png."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .core import Config
from .kernels import BenchError
from .peers import PEERS_VENV, find_peers, setup_peers
from .report import plot_cascades, render_markdown
from .suite import run_suite

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "performance.md"
PLOT = ROOT / "bench" / "cascade.png"


def publish(results: dict, out: Path) -> None:
    """Write the results JSON, the markdown page and the plot."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    tmp.replace(out)
    DOC.write_text(render_markdown(results) + "\n")
    plot_cascades(results, PLOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller counts and sizes (under two minutes)")
    parser.add_argument("--no-peers", action="store_true", help="measure only stock ipykernel and reactive-python")
    parser.add_argument("--out", type=Path, help="results file (default bench/results/latest.json, "
                                                 "or quick.json with --quick)")
    parser.add_argument("--peers-python", help="the Python that has ipyflow and marimo "
                                               f"(default: this one, else {PEERS_VENV.name}/bin/python)")
    parser.add_argument("--setup-peers", action="store_true",
                        help=f"create {PEERS_VENV.name} with ipyflow and marimo, then exit")
    parser.add_argument("--render", type=Path, metavar="RESULTS",
                        help="only regenerate the page and the plot from a results file")
    args = parser.parse_args(argv)

    if args.setup_peers:
        print(setup_peers())
        return 0
    if args.render:
        results = json.loads(args.render.read_text())
        DOC.write_text(render_markdown(results) + "\n")
        plot_cascades(results, PLOT)
        return 0
    out = args.out or RESULTS / ("quick.json" if args.quick else "latest.json")
    peers = None if args.no_peers else find_peers(args.peers_python)
    try:
        results = run_suite(Config.make(args.quick), peers)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    publish(results, out)
    print(f"wrote {out}, {DOC.relative_to(ROOT)} and {PLOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

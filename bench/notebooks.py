"""How right each policy leaves a notebook after a one-cell edit, and how many cells it runs.

    python -m bench.notebooks                  # the whole corpus, results/notebooks.json
    python -m bench.notebooks --only alias     # scenarios whose name or kinds contain a word
    python -m bench.notebooks --jobs 1 --out bench/results/NAME.json

Runs the scenario corpus of ``tests/oracle`` under three policies, each from a
fresh kernel after Run All of the original notebook: the reactive-python kernel
running the edited cell; stock ipykernel running only the edited cell; stock
ipykernel re-running every cell in order.  A policy is right on a scenario when
every cell's output and every name's value equal the oracle's (the edited
notebook run top to bottom in a fresh stock kernel).  Prints the policies side
by side, overall and per kind, and the scenarios each policy got wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.oracle import POLICIES, Verdict, run_corpus  # noqa: E402
from tests.oracle.corpus import SCENARIOS  # noqa: E402

__all__ = ["TARGETS", "render", "summarise"]

SCHEMA = 1
#: The reactive kernel: right on at least this share of scenarios, more often than
#: re-running everything, while running at most this share of the cells that policy runs.
TARGETS = {"reactive_right": 0.95, "cells_vs_rerun_all": 0.5}
_LABELS = {
    "reactive": "reactive-python (run the edited cell)",
    "stock-edited-only": "stock ipykernel, edited cell only",
    "stock-rerun-all": "stock ipykernel, re-run every cell",
}


def _figures(verdicts: list[Verdict]) -> dict:
    n = len(verdicts)
    right = sum(v.right for v in verdicts)
    cells = sum(v.cells_run for v in verdicts)
    return {
        "scenarios": n,
        "right": right,
        "right_share": right / n if n else None,
        "cells_run": cells,
        "mean_cells_run": cells / n if n else None,
    }


def summarise(verdicts: list[Verdict]) -> dict:
    """Per policy, overall and per kind: scenarios, right, share right, cells run and their mean."""
    by_policy: dict[str, list[Verdict]] = defaultdict(list)
    by_kind: dict[str, dict[str, list[Verdict]]] = defaultdict(lambda: defaultdict(list))
    for v in verdicts:
        by_policy[v.policy].append(v)
        for kind in v.kinds:
            by_kind[kind][v.policy].append(v)
    return {
        "policies": {p: _figures(vs) for p, vs in by_policy.items()},
        "kinds": {k: {p: _figures(vs) for p, vs in ps.items()} for k, ps in sorted(by_kind.items())},
    }


def targets(summary: dict) -> dict:
    """Whether the reactive kernel meets each target (None when a policy is missing)."""
    pol = summary["policies"]
    react, rerun = pol.get("reactive"), pol.get("stock-rerun-all")
    out = {"reactive_right": None, "more_right_than_rerun_all": None, "cells_vs_rerun_all": None}
    if react:
        out["reactive_right"] = react["right_share"] >= TARGETS["reactive_right"]
    if react and rerun:
        out["more_right_than_rerun_all"] = react["right"] > rerun["right"]
        out["cells_vs_rerun_all"] = react["mean_cells_run"] <= TARGETS["cells_vs_rerun_all"] * rerun["mean_cells_run"]
    return out


def _met(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "**no**")


def _cell(f: dict | None) -> str:
    if not f:
        return "–"
    return f"{f['right']}/{f['scenarios']} ({100 * f['right_share']:.0f}%), {f['mean_cells_run']:.2f} cells"


def render(results: dict) -> str:
    """The results as markdown: policies side by side, targets, per kind, and what each got wrong."""
    summary = results["summary"]
    policies = [p for p in POLICIES if p in summary["policies"]]
    lines = [
        "## Notebooks: right after a one-cell edit, and cells run",
        "",
        f"{results['scenarios']} scenarios from `tests/oracle/corpus`, {results['elapsed_s']:.0f} s on "
        f"{results['machine']['nproc']} cores ({results['machine']['date']}).",
        "",
        "| policy | right | share right | mean cells run after the edit | cells run in all |",
        "| --- | --- | --- | --- | --- |",
    ]
    for p in policies:
        f = summary["policies"][p]
        lines.append(f"| {_LABELS.get(p, p)} | {f['right']}/{f['scenarios']} | {100 * f['right_share']:.1f}% "
                     f"| {f['mean_cells_run']:.2f} | {f['cells_run']} |")
    t = results["targets"]
    pol = summary["policies"]
    if "reactive" in pol:
        lines += [
            "",
            "| target | met |",
            "| --- | --- |",
            f"| reactive right on ≥ {100 * TARGETS['reactive_right']:.0f}% | {_met(t['reactive_right'])} |",
            f"| reactive right more often than re-running every cell | {_met(t['more_right_than_rerun_all'])} |",
            f"| reactive runs ≤ {TARGETS['cells_vs_rerun_all']:.1f}x the cells of re-running every cell "
            f"| {_met(t['cells_vs_rerun_all'])} |",
        ]
    lines += ["", "Per kind (right, and mean cells run after the edit):", "",
              "| kind | scenarios | " + " | ".join(_LABELS.get(p, p) for p in policies) + " |",
              "| --- | --- | " + " | ".join("---" for _ in policies) + " |"]
    for kind, per in summary["kinds"].items():
        n = max(f["scenarios"] for f in per.values())
        lines.append(f"| {kind} | {n} | " + " | ".join(_cell(per.get(p)) for p in policies) + " |")
    for p in policies:
        wrong = [v for v in results["verdicts"] if v["policy"] == p and not v["right"]]
        lines += ["", f"Wrong under {_LABELS.get(p, p)}: {len(wrong)}", ""]
        for v in wrong:
            first = v["error"] or (f"{v['mismatches'][0]['where']}: expected {v['mismatches'][0]['expected']!r}, "
                                   f"got {v['mismatches'][0]['got']!r}" if v["mismatches"] else "")
            more = f" (+{len(v['mismatches']) - 1} more)" if len(v["mismatches"]) > 1 else ""
            lines.append(f"- `{v['scenario']}`: {_shorten(first)}{more}")
    return "\n".join(lines)


def _shorten(text: str, limit: int = 160) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notebooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="WORD",
                        help="only scenarios whose name or one of whose kinds contains a WORD")
    parser.add_argument("--policies", nargs="+", choices=list(POLICIES), default=list(POLICIES))
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument("--out", type=Path, default=RESULTS / "notebooks.json")
    args = parser.parse_args(argv)

    from .machine import describe

    scenarios = [
        s for s in SCENARIOS
        if not args.only or any(w in s.name or any(w in k for k in s.kinds) for w in args.only)
    ]
    if not scenarios:
        print("bench.notebooks: no scenario matches", file=sys.stderr)
        return 1
    start = time.perf_counter()

    def progress(v: Verdict) -> None:
        mark = "right" if v.right else ("FAILED: " + v.error.splitlines()[0] if v.error else "wrong")
        print(f"[{time.perf_counter() - start:6.1f} s] {v.policy:18} {v.scenario}: {mark}",
              file=sys.stderr, flush=True)

    verdicts = run_corpus(scenarios, args.policies, jobs=args.jobs, progress=progress)
    summary = summarise(verdicts)
    results = {
        "schema": SCHEMA,
        "machine": describe({}),
        "scenarios": len(scenarios),
        "policies": args.policies,
        "elapsed_s": time.perf_counter() - start,
        "summary": summary,
        "targets": targets(summary),
        "verdicts": [v.to_json() for v in verdicts],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(args.out.suffix + ".tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    tmp.replace(args.out)
    print(render(results))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
by side, overall, per group of scenarios (small, realistic) and per kind, the
scenarios each policy got wrong, and the scenarios where the reactive kernel
ran more cells than changed between fresh runs of the original and the edited
notebook.
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
from tests.oracle.corpus import BY_NAME, SCENARIOS, group  # noqa: E402

__all__ = ["TARGETS", "excess", "render", "summarise"]

SCHEMA = 2
GROUPS = ("small", "realistic")
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


def _with_ratios(per_policy: dict[str, dict]) -> dict[str, dict]:
    """Each policy's figures plus ``vs_rerun_all``: its mean cells run over re-running every cell's."""
    rerun = per_policy.get("stock-rerun-all")
    for f in per_policy.values():
        f["vs_rerun_all"] = f["mean_cells_run"] / rerun["mean_cells_run"] if rerun and rerun["mean_cells_run"] else None
    return per_policy


def summarise(verdicts: list[Verdict]) -> dict:
    """Per policy, overall, per group and per kind: scenarios, right, share right, cells run, their mean and ratio."""
    by_policy: dict[str, list[Verdict]] = defaultdict(list)
    by_group: dict[str, dict[str, list[Verdict]]] = defaultdict(lambda: defaultdict(list))
    by_kind: dict[str, dict[str, list[Verdict]]] = defaultdict(lambda: defaultdict(list))
    for v in verdicts:
        by_policy[v.policy].append(v)
        by_group[group(v.kinds)][v.policy].append(v)
        for kind in v.kinds:
            by_kind[kind][v.policy].append(v)
    return {
        "policies": _with_ratios({p: _figures(vs) for p, vs in by_policy.items()}),
        "groups": {
            g: _with_ratios({p: _figures(vs) for p, vs in by_group[g].items()}) for g in GROUPS if g in by_group
        },
        "kinds": {k: {p: _figures(vs) for p, vs in ps.items()} for k, ps in sorted(by_kind.items())},
    }


def excess(verdicts: list[Verdict]) -> list[dict]:
    """Scenarios where the reactive kernel ran more cells than changed between the two fresh runs, largest first.

    ``changed`` (see ``tests.oracle.changed_cells``) is a lower bound of what
    had to run: a cell whose outputs and values are the same may still have
    had to run to rebuild an object a later cell changes.
    """
    out = []
    for v in verdicts:
        if v.policy != "reactive" or v.changed is None or v.error:
            continue
        if v.cells_run > len(v.changed):
            out.append(
                {
                    "scenario": v.scenario,
                    "group": group(v.kinds),
                    "cells": len(BY_NAME[v.scenario].edited_cells) if v.scenario in BY_NAME else None,
                    "changed": len(v.changed),
                    "cells_run": v.cells_run,
                    "excess": v.cells_run - len(v.changed),
                }
            )
    return sorted(out, key=lambda e: (-e["excess"], e["scenario"]))


def unaccounted(verdicts: list[Verdict]) -> list[dict]:
    """Runs where the reply's count of cells run differs from the runs the kernel was seen to make."""
    return [
        {"scenario": v.scenario, "policy": v.policy, "cells_run": v.cells_run, "runs_seen": v.runs_seen}
        for v in verdicts
        if v.policy != "stock-rerun-all" and not v.error and v.runs_seen is not None and v.runs_seen != v.cells_run
    ]


def targets(summary: dict, pol: dict | None = None) -> dict:
    """Whether the reactive kernel meets each target (None when a policy is missing), overall or on ``pol``."""
    pol = summary["policies"] if pol is None else pol
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


def _ratio(f: dict) -> str:
    return "–" if f.get("vs_rerun_all") is None else f"{f['vs_rerun_all']:.2f}"


def render(results: dict) -> str:
    """The results as markdown: policies side by side per group, targets, per kind, what each got wrong, excess runs."""
    summary = results["summary"]
    policies = [p for p in POLICIES if p in summary["policies"]]
    groups = [("all", summary["policies"])] + list(summary.get("groups", {}).items())
    lines = [
        "## Notebooks: right after a one-cell edit, and cells run",
        "",
        f"{results['scenarios']} scenarios from `tests/oracle/corpus`, {results['elapsed_s']:.0f} s on "
        f"{results['machine']['nproc']} cores ({results['machine']['date']}).",
        "",
        "| scenarios | policy | right | share right | mean cells run after the edit | × re-run all | cells run in all |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, per in groups:
        n = max(f["scenarios"] for f in per.values())
        for p in policies:
            f = per.get(p)
            if f is None:
                continue
            lines.append(
                f"| {name} ({n}) | {_LABELS.get(p, p)} | {f['right']}/{f['scenarios']} "
                f"| {100 * f['right_share']:.1f}% | {f['mean_cells_run']:.2f} | {_ratio(f)} | {f['cells_run']} |"
            )
    if "reactive" in summary["policies"]:
        lines += [
            "",
            "| target | " + " | ".join(name for name, _ in groups) + " |",
            "| --- | " + " | ".join("---" for _ in groups) + " |",
        ]
        met = [targets(summary, per) for _, per in groups]
        for key, text in (
            ("reactive_right", f"reactive right on ≥ {100 * TARGETS['reactive_right']:.0f}%"),
            ("more_right_than_rerun_all", "reactive right more often than re-running every cell"),
            (
                "cells_vs_rerun_all",
                f"reactive runs ≤ {TARGETS['cells_vs_rerun_all']:.1f}x the cells of re-running every cell",
            ),
        ):
            lines.append(f"| {text} | " + " | ".join(_met(t[key]) for t in met) + " |")
    lines += [
        "",
        "Per kind (right, and mean cells run after the edit):",
        "",
        "| kind | scenarios | " + " | ".join(_LABELS.get(p, p) for p in policies) + " |",
        "| --- | --- | " + " | ".join("---" for _ in policies) + " |",
    ]
    for kind, per in summary["kinds"].items():
        n = max(f["scenarios"] for f in per.values())
        lines.append(f"| {kind} | {n} | " + " | ".join(_cell(per.get(p)) for p in policies) + " |")
    for p in policies:
        wrong = [v for v in results["verdicts"] if v["policy"] == p and not v["right"]]
        lines += ["", f"Wrong under {_LABELS.get(p, p)}: {len(wrong)}", ""]
        for v in wrong:
            first = v["error"] or (
                f"{v['mismatches'][0]['where']}: expected {v['mismatches'][0]['expected']!r}, "
                f"got {v['mismatches'][0]['got']!r}"
                if v["mismatches"]
                else ""
            )
            more = f" (+{len(v['mismatches']) - 1} more)" if len(v["mismatches"]) > 1 else ""
            lines.append(f"- `{v['scenario']}`: {_shorten(first)}{more}")
    extra = results.get("excess")
    if extra is not None:
        lines += [
            "",
            f"The reactive kernel ran more cells than changed between fresh runs of the original and the edited "
            f"notebook on {len(extra)} scenarios (for information: a cell whose outputs and values are unchanged "
            "may still have had to run to rebuild an object):",
            "",
            "| scenario | group | cells | changed | reactive ran | excess |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| `{e['scenario']}` | {e['group']} | {e['cells']} | {e['changed']} | {e['cells_run']} | {e['excess']} |"
            for e in extra
        ]
    odd = results.get("unaccounted")
    if odd:
        lines += ["", "Runs where the reply's count of cells run differs from the runs the kernel made:", ""]
        lines += [
            f"- `{u['scenario']}` ({u['policy']}): reply says {u['cells_run']}, kernel ran {u['runs_seen']}"
            for u in odd
        ]
    return "\n".join(lines)


def _shorten(text: str, limit: int = 160) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notebooks", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", nargs="+", metavar="WORD", help="only scenarios whose name or one of whose kinds contains a WORD"
    )
    parser.add_argument("--policies", nargs="+", choices=list(POLICIES), default=list(POLICIES))
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument("--out", type=Path, default=RESULTS / "notebooks.json")
    args = parser.parse_args(argv)

    from .machine import describe

    scenarios = [
        s for s in SCENARIOS if not args.only or any(w in s.name or any(w in k for k in s.kinds) for w in args.only)
    ]
    if not scenarios:
        print("bench.notebooks: no scenario matches", file=sys.stderr)
        return 1
    start = time.perf_counter()

    def progress(v: Verdict) -> None:
        mark = "right" if v.right else ("FAILED: " + v.error.splitlines()[0] if v.error else "wrong")
        print(f"[{time.perf_counter() - start:6.1f} s] {v.policy:18} {v.scenario}: {mark}", file=sys.stderr, flush=True)

    verdicts = run_corpus(scenarios, args.policies, jobs=args.jobs, progress=progress, changes=True)
    summary = summarise(verdicts)
    results = {
        "schema": SCHEMA,
        "machine": describe({}),
        "scenarios": len(scenarios),
        "policies": args.policies,
        "elapsed_s": time.perf_counter() - start,
        "summary": summary,
        "targets": targets(summary),
        "excess": excess(verdicts),
        "unaccounted": unaccounted(verdicts),
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

"""Turn a results dict into docs/performance.md and the cascade plot."""

from __future__ import annotations

from pathlib import Path

__all__ = ["TARGETS", "plot_cascades", "render_markdown"]

#: What reactive-python aims for.
TARGETS = {
    "startup_ratio": 1.05,
    "round_trip_ratio": 1.00,
    "cascade_ms_per_cell": 0.3,
    "register_us": 50.0,
}

_LABELS = {"stock": "stock ipykernel", "reactive": "reactive-python", "ipyflow": "ipyflow"}


def _ms(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _spread(s: dict | None, digits: int = 2) -> str:
    """``median (p25–p75)`` of a summary."""
    if not s:
        return "–"
    return f"{s['median']:.{digits}f} ({s['p25']:.{digits}f}–{s['p75']:.{digits}f})"


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or not b else f"{a / b:.2f}x"


def _met(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "**no**")


def _get(d: dict, *path):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _machine(r: dict) -> list[str]:
    m = r["machine"]
    v = m["versions"]
    p = m.get("peers", {})
    rows = [
        (
            "run",
            f"`python -m bench{' --quick' if r['mode'] == 'quick' else ''}`, {m['date']}, "
            f"{r.get('elapsed_s', 0) / 60:.1f} min",
        ),
        ("cores (`nproc`)", str(m["nproc"])),
        ("memory", f"{m['memory_gib']} GiB"),
        ("CPU", m["cpu_model"]),
        ("OS", m["os"]),
        ("Python", m["python"]),
        ("reactive_kernel", v.get("reactive_kernel") or "–"),
        ("ipykernel / IPython", f"{v.get('ipykernel')} / {v.get('ipython')}"),
        ("jupyter_client / pyzmq", f"{v.get('jupyter_client')} / {v.get('pyzmq')}"),
        ("duckdb", v.get("duckdb") or "–"),
        ("marimo", p.get("marimo") or "not measured"),
        ("ipyflow", p.get("ipyflow") or "not measured"),
    ]
    return ["| | |", "| --- | --- |", *(f"| {a} | {b} |" for a, b in rows)]


def _summary(r: dict) -> list[str]:
    """The target table: reactive-python against stock ipykernel."""
    lines = [
        "| measurement | reactive-python | stock ipykernel | reactive / stock | target | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    start = r.get("startup", {})
    rs, ss = _get(start, "reactive", "ready_ms", "median"), _get(start, "stock", "ready_ms", "median")
    if rs and ss:
        lines.append(
            f"| start to ready, ms | {rs:.0f} | {ss:.0f} | {rs / ss:.2f}x | ≤ {TARGETS['startup_ratio']:.2f}x "
            f"| {_met(rs / ss <= TARGETS['startup_ratio'])} |"
        )
        rc, sc = _get(start, "reactive", "cpu_ms", "median"), _get(start, "stock", "cpu_ms", "median")
        lines.append(f"| kernel CPU at ready, ms | {rc:.0f} | {sc:.0f} | {_ratio(rc, sc)} | | |")
    for key, name in (("pass", "`pass` round trip, ms"), ("four", "4-statement cell round trip, ms")):
        rt = _get(r, "round_trips", key) or {}
        a, b = _get(rt, "reactive", "round_trip_ms", "median"), _get(rt, "stock", "round_trip_ms", "median")
        if a and b:
            lines.append(
                f"| {name} | {a:.2f} | {b:.2f} | {a / b:.2f}x | ≤ {TARGETS['round_trip_ratio']:.2f}x "
                f"| {_met(a / b <= TARGETS['round_trip_ratio'])} |"
            )
            ca, cb = rt["reactive"]["kernel_cpu_ms"], rt["stock"]["kernel_cpu_ms"]
            lines.append(f"| ↳ kernel CPU per request, ms | {ca:.2f} | {cb:.2f} | {_ratio(ca, cb)} | | |")
    for n, c in sorted((r.get("cascades") or {}).items(), key=lambda kv: int(kv[0])):
        per = c["reactive"]["ms_per_cell"]["median"]
        marginal = c["reactive"]["marginal_ms_per_cell"]
        cpu = c["reactive"]["kernel_cpu_ms"]["median"] / int(n)
        stock = _get(c, "stock_sequential", "ms_per_cell", "median")
        lines.append(
            f"| cascade over {int(n):,} cells, ms per cell: wall (beyond one round trip) / kernel CPU "
            f"| {per:.3f} ({marginal:.3f}) / {cpu:.3f} | {_ms(stock, 3)} (re-run each) | {_ratio(per, stock)} "
            f"| ≤ {TARGETS['cascade_ms_per_cell']} beyond one round trip "
            f"| {_met(marginal <= TARGETS['cascade_ms_per_cell'])} |"
        )
    big = (r.get("graph_cost") or {}).get(str(r["config"]["big_graph"]))
    if big:
        leaf = big["new_leaf"]
        g = leaf["analysis_graph_us"]["median"]
        lines.append(
            f"| register one cell into a {big['size']:,}-cell graph, in process, µs (name analysis + graph) "
            f"| {g:.1f} | | | ≤ {TARGETS['register_us']:.0f} | {_met(g <= TARGETS['register_us'])} |"
        )
        t = leaf["total_us"]["median"]
        lines.append(f"| ↳ including IPython's input transformation (not graph work), µs | {t:.1f} | | | | |")
    bk = r.get("big_kernel")
    pass_fresh = _get(r, "round_trips", "pass", "reactive", "round_trip_ms", "median")
    if bk:
        reg = bk["register_round_trip_ms"]["median"]
        lines.append(f"| `register_cell_request` round trip in a {bk['cells']:,}-cell kernel, ms | {reg:.2f} | | | | |")
        bp = bk["pass_round_trip_ms"]["median"]
        lines.append(
            f"| `pass` round trip in that kernel, ms (in a fresh kernel) | {bp:.2f} ({_ms(pass_fresh)}) | | | | |"
        )
    rss = r.get("rss_after_start_mib") or {}
    if "reactive" in rss:
        lines.append(
            f"| resident memory after start, MiB | {rss['reactive']:.1f} | {rss['stock']:.1f} "
            f"| {_ratio(rss['reactive'], rss['stock'])} | | |"
        )
    c1000 = (r.get("cascades") or {}).get("1000")
    if c1000:
        a, b = c1000["rss_mib"]["reactive"], c1000["rss_mib"]["stock"]
        lines.append(f"| resident memory after the 1,000-cell chain, MiB | {a:.1f} | {b:.1f} | {_ratio(a, b)} | | |")
    if bk:
        lines.append(
            f"| resident memory holding {bk['cells']:,} registered cells, MiB | {bk['rss_mib_after']:.1f} | | | | |"
        )
    return lines


def _round_trips(r: dict) -> list[str]:
    rt = r.get("round_trips") or {}
    start = r.get("startup") or {}
    lines = [
        "| kernel | start to ready, ms | x stock | `pass`, ms | x stock | kernel CPU / `pass`, ms "
        "| 4-statement cell, ms | x stock | kernel CPU / cell, ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    stock_ready = _get(start, "stock", "ready_ms", "median")
    stock_pass = _get(rt, "pass", "stock", "round_trip_ms", "median")
    stock_four = _get(rt, "four", "stock", "round_trip_ms", "median")
    for label in ("stock", "reactive", "ipyflow"):
        p, f = _get(rt, "pass", label), _get(rt, "four", label)
        if not p:
            continue
        ready = _get(start, label, "ready_ms")
        lines.append(
            f"| {_LABELS[label]} | {_spread(ready, 0)} | {_ratio(_get(ready or {}, 'median'), stock_ready)} "
            f"| {_spread(p['round_trip_ms'])} | {_ratio(p['round_trip_ms']['median'], stock_pass)} "
            f"| {p['kernel_cpu_ms']:.2f} | {_spread(f['round_trip_ms'])} "
            f"| {_ratio(f['round_trip_ms']['median'], stock_four)} | {f['kernel_cpu_ms']:.2f} |"
        )
    return lines


def _cascades(r: dict) -> list[str]:
    lines = [
        "| N | reactive: register N cells, ms | reactive: run the root, ms | ms / cell | kernel CPU, ms "
        "| stock: re-run N cells one by one, ms | stock: run all N queued, ms | stock one by one / reactive |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n, c in sorted((r.get("cascades") or {}).items(), key=lambda kv: int(kv[0])):
        react = c["reactive"]
        seq = _get(c, "stock_sequential", "wall_ms")
        run_all = _get(c, "stock_run_all", "wall_ms")
        lines.append(
            f"| {int(n):,} | {c['register_wall_s'] * 1e3:.0f} | {_spread(react['wall_ms'], 1)} "
            f"| {react['ms_per_cell']['median']:.3f} | {react['kernel_cpu_ms']['median']:.0f} "
            f"| {_spread(seq, 0)} | {_spread(run_all, 0)} "
            f"| {_ratio(_get(seq or {}, 'median'), react['wall_ms']['median'])} |"
        )
    return lines


def _registration(r: dict) -> list[str]:
    lines = [
        "| graph | new cell | IPython transform, µs | name analysis, µs | graph, µs | total, µs |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    cases = (
        ("new_leaf", "reads the chain's tail"),
        ("new_fan_out", "reads the chain's root"),
        ("edit_middle", "re-registers the middle cell"),
    )
    for size, g in sorted((r.get("graph_cost") or {}).items(), key=lambda kv: int(kv[0])):
        for key, text in cases:
            c = g[key]
            lines.append(
                f"| reactive-python, {int(size):,} cells | {text} | {c['transform_us']['median']:.1f} "
                f"| {c['analysis_us']['median']:.1f} | {c['graph_us']['median']:.1f} | {c['total_us']['median']:.1f} |"
            )
    mg = _get(r, "marimo", "graph")
    if mg and "total_us" in mg:
        lines.append(
            f"| marimo, {mg['n']:,} cells | reads the chain's tail | compile_cell: {mg['compile_us']['median']:.1f} "
            f"| | register_cell: {mg['register_us']['median']:.1f} | {mg['total_us']['median']:.1f} |"
        )
    return lines


def _vs_marimo(r: dict) -> list[str]:
    chains = _get(r, "marimo", "chains") or {}
    cascades = r.get("cascades") or {}
    lines = [
        "| N | reactive-python: register, ms | marimo: register, ms | reactive-python: run the root, ms "
        "| marimo: run the root, ms | marimo / reactive-python (run) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for n, m in sorted(chains.items(), key=lambda kv: int(kv[0])):
        c = cascades.get(n)
        rr = _get(c or {}, "reactive", "wall_ms", "median")
        rc = _get(c or {}, "reactive", "kernel_cpu_ms", "median")
        if "register_wall_s" in m:
            m_reg = f"{m['register_wall_s'] * 1e3:.0f} (CPU {m['register_cpu_s'] * 1e3:.0f})"
        else:
            m_reg = f"> {m['limit_s']:.0f} s (stopped)"
        if "rerun_wall_s" in m:
            mw = m["rerun_wall_s"]["median"] * 1e3
            m_run = f"{mw:.0f} (CPU {m['rerun_cpu_s']['median'] * 1e3:.0f})"
        else:
            mw = None
            m_run = f"> {m['limit_s']:.0f} s (stopped)" if m.get("timed_out") else m.get("note", "–")
        r_reg = f"{c['register_wall_s'] * 1e3:.0f} (CPU {c['register_kernel_cpu_s'] * 1e3:.0f})" if c else "–"
        r_run = f"{rr:.0f} (CPU {rc:.0f})" if rr is not None else "–"
        lines.append(f"| {int(n):,} | {r_reg} | {m_reg} | {r_run} | {m_run} | {_ratio(mw, rr)} |")
    return lines


def _big_kernel(r: dict) -> list[str]:
    bk = r.get("big_kernel")
    if not bk:
        return []
    return [
        f"A fresh reactive-python kernel registered a chain of {bk['cells']:,} cells through "
        f"`register_cell_request` in {bk['register_all_wall_s']:.1f} s "
        f"({bk['register_all_wall_s'] / bk['cells'] * 1e3:.2f} ms per cell, kernel CPU "
        f"{bk['register_all_kernel_cpu_s'] / bk['cells'] * 1e3:.2f} ms per cell; requests queued "
        f"64 at a time). In that kernel, median `register_cell_request` round trip "
        f"{_spread(bk['register_round_trip_ms'])} ms and `pass` round trip {_spread(bk['pass_round_trip_ms'])} ms "
        f"(alternating). Resident memory {bk['rss_mib_start']:.0f} MiB at start, {bk['rss_mib_after']:.0f} MiB "
        f"with the cells registered.",
    ]


def render_markdown(r: dict) -> str:
    """docs/performance.md for results ``r``."""
    cfg = r["config"]
    out = [
        "# Performance",
        "",
        "Generated by `python -m bench` from `bench/results/`; regenerate rather than edit. "
        "See `bench/README.md` for how to run it.",
        "",
        "All kernels run side by side in one process tree, started through jupyter_client, and are timed "
        "from sending a request until both its reply and its `idle` status have arrived (what a notebook "
        "waits for). Requests to the different kernels are interleaved, so a busy moment on the shared "
        "machine lands on all of them; figures are medians, with the 25th–75th percentiles in brackets. "
        "Compare the ratios, not the absolute times. Kernel CPU is the kernel process's own CPU time "
        "(user + system), which a busy neighbour does not inflate.",
        "",
        "## Machine",
        "",
        *_machine(r),
        "",
        "## reactive-python against stock ipykernel",
        "",
        *_summary(r),
        "",
        "The cascade target is about the work per re-run cell: the root's execute round trip minus one `pass` "
        "round trip, divided by the N − 1 cells that re-ran (in brackets). Stock ipykernel has no cascade; its "
        "honest equivalent is re-running all N cells.",
        "",
        "## Round trips and start-up",
        "",
        f"`pass` {cfg['pass_count']} times and the 4-statement cell {cfg['four_count']} times per kernel "
        f"(ipyflow: {cfg['peer_pass_count']} and {cfg['peer_four_count']}) after {cfg['warmup']} warm-up runs, "
        f"each with the same `cellId`, as a notebook re-running one cell; start-up "
        f"{cfg['start_repeats']} times per kernel. The 4-statement cell is:",
        "",
        "```python",
        cfg["four_statements"],
        "```",
        "",
        *_round_trips(r),
        "",
        "## Cascades through a chain of trivial cells",
        "",
        "Cells `v0 = 0`, `v{i} = v{i-1} + 1`. reactive-python registers the chain with "
        "`register_cell_request` (queued 64 at a time), then executes the root with its `cellId`; "
        "the time is until that one request's reply and idle. Stock ipykernel re-runs every cell: one round "
        'trip after another, and queued as "Run All" sends them.',
        "",
        *_cascades(r),
        "",
        "![cascade time against chain length](../bench/cascade.png)",
        "",
        "## Registration cost, in process",
        "",
        "`CellAnalyzer` (with IPython's input transformation) and `DependencyGraph` called directly, "
        "registering one cell into a chain and removing it again; marimo's equivalent is `compile_cell` "
        "plus `DirectedGraph.register_cell`.",
        "",
        *_registration(r),
        "",
        *(_big_kernel(r) and ["## A kernel holding many cells", "", *_big_kernel(r), ""]),
    ]
    if _get(r, "marimo", "chains"):
        out += [
            "## reactive-python against marimo",
            "",
            "marimo's own runtime (a `Kernel` from `marimo._runtime.kernel_lifecycle.kernel_session` in edit "
            "mode) in its own process: the chain is registered with `Kernel.mutate_graph` in one batch and "
            "the root re-run with `Kernel.run([ExecuteCellCommand(...)])`, which runs every descendant. "
            "marimo's times are in process, without messaging; reactive-python's include the Jupyter wire. "
            "CPU is each process's own CPU time.",
            "",
            *_vs_marimo(r),
            "",
        ]
    if r.get("notes"):
        out += ["## Notes", "", *(f"- {n}" for n in r["notes"]), ""]
    return "\n".join(out)


def plot_cascades(r: dict, path: Path) -> None:
    """Log-log plot of chain run time against N for each system; writes PNG ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    cascades = r.get("cascades") or {}
    series = {
        "reactive-python: run the root": ("reactive", "o-"),
        "stock ipykernel: re-run each cell": ("stock_sequential", "s--"),
        "stock ipykernel: run all, queued": ("stock_run_all", "^:"),
    }
    for label, (key, style) in series.items():
        points = sorted((int(n), c[key]["wall_ms"]["median"]) for n, c in cascades.items() if key in c)
        if points:
            ax.plot(*zip(*points), style, label=label)
    chains = _get(r, "marimo", "chains") or {}
    points = sorted((int(n), m["rerun_wall_s"]["median"] * 1e3) for n, m in chains.items() if "rerun_wall_s" in m)
    if points:
        ax.plot(*zip(*points), "d-", label="marimo: run the root")
    stopped = [(int(n), m["limit_s"] * 1e3) for n, m in chains.items() if "rerun_wall_s" not in m]
    if stopped:
        ax.plot(*zip(*stopped), "d", mfc="none", label="marimo: stopped at the time limit")
    sizes = sorted({int(n) for n in cascades} | {int(n) for n in chains})
    if sizes:
        per_cell = TARGETS["cascade_ms_per_cell"]
        ax.plot(
            sizes,
            [n * per_cell for n in sizes],
            color="grey",
            lw=0.8,
            ls="--",
            label=f"{per_cell} ms per cell (target)",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("cells in the chain (N)")
    ax.set_ylabel("wall time, ms (median)")
    ax.set_title("Re-running a chain of N trivial cells")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

"""Longer notebooks that write files in their working directory and read them back.

CSV and JSON pipelines, a folder of text documents indexed and searched, a log
file filtered and archived, a Markdown report, an SQLite database, figures saved
to a folder.  Every kernel starts in an empty directory.  ``where:...`` tags the
place of the edit.
"""

from ..scenario import rewrite

_CSV = [
    r"""import csv
from pathlib import Path
import pandas as pd""",
    r"""RAW = Path("raw_orders.csv")
rows = [
    ["order_id", "customer", "amount", "status"],
    ["1001", "acme", "250.00", "paid"],
    ["1002", "globex", "120.50", "PAID"],
    ["1003", "acme", "", "paid"],
    ["1004", "initech", "75.25", "refunded"],
    ["1005", "globex", "310.00", "paid"],
    ["1005", "globex", "310.00", "paid"],
    ["1006", "umbrella", "45.00", "Paid"],
    ["1007", "initech", "99.99", "paid"],
    ["1008", "acme", "180.00", "refunded"],
    ["1009", "umbrella", "220.00", "paid"],
]
with open(RAW, "w", newline="") as f:
    csv.writer(f).writerows(rows)
RAW.stat().st_size""",
    r"""orders = pd.read_csv(RAW)
orders.shape""",
    r"""orders = orders.drop_duplicates("order_id")
orders = orders.dropna(subset=["amount"])
orders["status"] = orders["status"].str.lower()
len(orders)""",
    r"""paid = orders[orders.status == "paid"]
paid.groupby("customer")["amount"].sum().sort_values(ascending=False)""",
    r"""CLEAN = Path("orders_clean.csv")
orders.to_csv(CLEAN, index=False)
len(CLEAN.read_text().splitlines())""",
    r"""reloaded = pd.read_csv(CLEAN)
reloaded.dtypes.astype(str).to_dict()""",
    r"""refunds = orders[orders.status == "refunded"]
refunds[["order_id", "amount"]]""",
    r"""refund_rate = len(refunds) / len(orders)
round(refund_rate, 3)""",
    r"""summary = {"orders": len(orders), "revenue": float(paid.amount.sum()), "refund_rate": round(refund_rate, 3)}
Path("summary.txt").write_text("\n".join(f"{k}: {v}" for k, v in summary.items()))
print(Path("summary.txt").read_text())""",
    r"""sorted(p.name for p in Path(".").iterdir())""",
]

_JSON = [
    r"""import json
from pathlib import Path""",
    r"""params = {"learning_rate": 0.1, "decay": 0.9, "steps": 8}
Path("params.json").write_text(json.dumps(params, indent=2))""",
    r"""cfg = json.loads(Path("params.json").read_text())
cfg""",
    r"""def schedule(cfg):
    return [cfg["learning_rate"] * cfg["decay"] ** i for i in range(cfg["steps"])]

lrs = schedule(cfg)
[round(v, 4) for v in lrs]""",
    r"""log = Path("runs.jsonl")
log.write_text("")
for i, lr in enumerate(lrs):
    loss = round(1 / (1 + i * lr * 10), 4)
    with log.open("a") as f:
        f.write(json.dumps({"step": i, "lr": round(lr, 5), "loss": loss}) + "\n")
len(log.read_text().splitlines())""",
    r"""runs = [json.loads(line) for line in log.read_text().splitlines()]
runs[-1]""",
    r"""best = min(runs, key=lambda r: r["loss"])
best""",
    r"""Path("best.json").write_text(json.dumps(best))
sorted(p.name for p in Path(".").glob("*.json*"))""",
    r"""mean_loss = sum(r["loss"] for r in runs) / len(runs)
round(mean_loss, 4)""",
    r"""print(json.dumps({"final_lr": runs[-1]["lr"], "best_step": best["step"], "mean_loss": round(mean_loss, 4)}))""",
]

_DOCS = [
    r"""import os
import re
from collections import defaultdict""",
    r"""os.makedirs("docs", exist_ok=True)
DOCS = {
    "intro.txt": "This kernel keeps the notebook honest. Cells run again when their inputs change.",
    "install.txt": "Install the kernel with pip, then register the kernel spec for Jupyter.",
    "usage.txt": "Run a cell and the kernel runs the cells that depend on it, in notebook order.",
    "faq.txt": "Does the kernel work in JupyterLab? Yes. Does it need a plugin? No, the plugin is optional.",
}
for name, text in DOCS.items():
    with open(os.path.join("docs", name), "w") as f:
        f.write(text)
sorted(os.listdir("docs"))""",
    r"""def words_of(text):
    return re.findall(r"[a-z]+", text.lower())""",
    r"""index = defaultdict(set)
for name in sorted(os.listdir("docs")):
    with open(os.path.join("docs", name)) as f:
        for w in words_of(f.read()):
            index[w].add(name)
len(index)""",
    r"""def search(query):
    found = [index.get(w, set()) for w in words_of(query)]
    return sorted(set.intersection(*found)) if found else []""",
    r"""search("kernel cells"), search("plugin"), search("notebook order")""",
    r"""sizes = {n: os.path.getsize(os.path.join("docs", n)) for n in sorted(os.listdir("docs"))}
sizes""",
    r"""common = sorted(w for w, docs in index.items() if len(docs) == len(sizes))
common""",
    r"""with open("docs/changelog.txt", "w") as f:
    f.write("0.2 adds search\n0.1 first release\n")
len(os.listdir("docs"))""",
    r"""print(f"{len(sizes)} documents indexed, {len(index)} words, {len(common)} in every document")""",
]

_ARCHIVE = [
    r"""from pathlib import Path
import shutil""",
    r"""Path("logs").mkdir(exist_ok=True)
jobs = [
    (1, "INFO", "ingest", 12.5), (1, "INFO", "train", 41.0), (2, "ERROR", "ingest", 3.2),
    (2, "INFO", "ingest", 14.1), (2, "INFO", "train", 38.7), (3, "WARN", "export", 22.9),
    (3, "INFO", "train", 45.3), (4, "ERROR", "export", 1.1), (4, "INFO", "export", 25.4),
    (5, "INFO", "ingest", 11.8), (5, "INFO", "train", 29.9),
]
lines = [f"2024-05-{d:02d} {level} job={job} took={took}s" for d, level, job, took in jobs]
Path("logs/app.log").write_text("\n".join(lines) + "\n")
len(lines)""",
    r"""entries = []
for line in Path("logs/app.log").read_text().splitlines():
    day, level, job, took = line.split()
    entries.append({"date": day, "level": level, "job": job.split("=")[1], "took": float(took.split("=")[1][:-1])})
entries[0]""",
    r"""errors = [e for e in entries if e["level"] == "ERROR"]
len(errors)""",
    r"""SLOW_SECONDS = 30""",
    r"""slow = [e for e in entries if e["took"] > SLOW_SECONDS]
[(e["job"], e["took"]) for e in slow]""",
    r"""Path("logs/slow.log").write_text("".join(f"{e['date']} {e['job']} {e['took']}\n" for e in slow))
Path("logs/slow.log").read_text().count("\n")""",
    r"""Path("archive").mkdir(exist_ok=True)
shutil.copy("logs/app.log", "archive/app-2024-05.log")
sorted(p.name for p in Path("archive").iterdir())""",
    r"""per_job = {}
for e in entries:
    per_job.setdefault(e["job"], []).append(e["took"])
{j: round(sum(v) / len(v), 1) for j, v in sorted(per_job.items())}""",
    r"""print(f"{len(entries)} entries, {len(errors)} errors, {len(slow)} slower than {SLOW_SECONDS}s")
print(Path("logs/slow.log").read_text())""",
]

_REPORT = [
    r"""import statistics
from pathlib import Path""",
    r"""measurements = {
    "sensor_a": [20.1, 20.4, 19.8, 20.0, 25.9, 20.2, 20.3, 19.9],
    "sensor_b": [18.2, 18.0, 18.4, 18.1, 18.3, 18.2, 12.0, 18.5],
    "sensor_c": [22.0, 22.5, 21.8, 22.1, 22.3, 22.2, 22.4, 21.9],
}""",
    r"""stats = {k: {"mean": statistics.mean(v), "stdev": statistics.stdev(v), "max": max(v)} for k, v in measurements.items()}
stats["sensor_a"]""",
    r'''def fmt_row(name, s):
    return f"| {name} | {s['mean']:.2f} | {s['stdev']:.2f} | {s['max']:.1f} |"''',
    r"""lines = ["# Sensor report", "", "| sensor | mean | stdev | max |", "| --- | --- | --- | --- |"]
lines += [fmt_row(k, s) for k, s in stats.items()]
len(lines)""",
    r"""outliers = {k: [x for x in v if abs(x - stats[k]["mean"]) > 2 * stats[k]["stdev"]] for k, v in measurements.items()}
outliers""",
    r"""lines += ["", "## Outliers", ""] + [f"- {k}: {v}" for k, v in outliers.items() if v]
lines[-3:]""",
    r"""report = Path("report.md")
report.write_text("\n".join(lines) + "\n")
len(report.read_text().splitlines())""",
    r"""print(report.read_text())""",
    r"""max(stats, key=lambda k: stats[k]["mean"])""",
    r"""report.stat().st_size""",
]

_SQLITE = [
    r"""import sqlite3
from pathlib import Path""",
    r"""db = Path("shop.db")
if db.exists():
    db.unlink()
con = sqlite3.connect(db)
con.execute("create table items (name text, category text, price real, qty integer)")
con.executemany("insert into items values (?, ?, ?, ?)", [
    ("hammer", "tools", 12.5, 14), ("saw", "tools", 18.0, 6), ("drill", "tools", 64.0, 3),
    ("glue", "supplies", 3.2, 40), ("tape", "supplies", 2.1, 55), ("nails", "hardware", 4.5, 120),
    ("screws", "hardware", 5.0, 8), ("level", "tools", 9.9, 11),
])
con.commit()""",
    r"""con.execute("select count(*) from items").fetchone()[0]""",
    r"""def query(sql, *args):
    return con.execute(sql, args).fetchall()""",
    r"""query("select category, round(sum(price * qty), 2) from items group by category order by 2 desc")""",
    r"""con.execute("update items set price = round(price * 1.1, 2) where category = ?", ("tools",))
con.commit()
query("select name, price from items where category = 'tools' order by name")""",
    r"""cheap = query("select name from items where price < ? order by name", 5.0)
cheap""",
    r"""query("select name, qty from items where qty < 10 order by qty")""",
    r"""total_value = query("select round(sum(price * qty), 2) from items")[0][0]
total_value""",
    r"""print(f"{len(cheap)} cheap items; stock worth {total_value}")""",
]

_FIGURES = [
    r"""import numpy as np
import matplotlib.pyplot as plt
from pathlib import Path""",
    r"""out = Path("figures")
out.mkdir(exist_ok=True)""",
    r"""x = np.linspace(0, 10, 200)
curves = {"sin": np.sin(x), "cos": np.cos(x), "damped": np.exp(-x / 4) * np.sin(2 * x)}""",
    r"""STYLE = {"linewidth": 1.5, "alpha": 0.9}""",
    r"""fig, ax = plt.subplots(figsize=(6, 3))
for name, y in curves.items():
    ax.plot(x, y, label=name, **STYLE)
ax.legend()
ax.set_title("three curves")
fig.savefig(out / "curves.png", dpi=80)""",
    r"""sorted(p.name for p in out.iterdir())""",
    r"""peaks = {name: round(float(x[np.argmax(y)]), 2) for name, y in curves.items()}
peaks""",
    r"""areas = {name: round(float(np.trapezoid(np.abs(y), x)), 3) for name, y in curves.items()}
areas""",
    r"""fig2, ax2 = plt.subplots(figsize=(4, 3))
ax2.bar(list(areas), list(areas.values()))
ax2.set_title("area under |curve|")
fig2.savefig(out / "areas.png", dpi=80)""",
    r"""{p.name: p.stat().st_size > 0 for p in sorted(out.iterdir())}""",
    r"""print(f"saved {len(list(out.iterdir()))} figures; largest area: {max(areas, key=areas.get)}")""",
]

SCENARIOS = [
    rewrite(
        "csv-pipeline-raw-row",
        "realistic file pandas redefinition where:top edit:constant",
        _CSV,
        2,
        '["1004", "initech", "75.25", "refunded"],',
        '["1004", "initech", "75.25", "paid"],',
    ),
    rewrite(
        "json-experiment-params",
        "realistic file dict function where:top edit:constant",
        _JSON,
        2,
        '"steps": 8}',
        '"steps": 12}',
    ),
    rewrite(
        "docs-index-edited-doc",
        "realistic file dict function where:top edit:constant",
        _DOCS,
        2,
        '"Run a cell and the kernel runs the cells that depend on it, in notebook order."',
        '"Run a cell and the kernel re-runs every cell that depends on it, in notebook order."',
    ),
    rewrite(
        "log-archive-slow-threshold",
        "realistic file list where:later-constant edit:constant",
        _ARCHIVE,
        5,
        "SLOW_SECONDS = 30",
        "SLOW_SECONDS = 20",
    ),
    rewrite(
        "markdown-report-look",
        "realistic file list list-mutation where:look edit:look",
        _REPORT,
        10,
        'max(stats, key=lambda k: stats[k]["mean"])',
        'sorted(stats, key=lambda k: stats[k]["stdev"])',
    ),
    rewrite(
        "sqlite-price-update",
        "realistic file function where:section edit:constant",
        _SQLITE,
        6,
        "price * 1.1",
        "price * 1.2",
    ),
    rewrite(
        "figures-plot-style",
        "realistic file numpy matplotlib dict where:plot edit:add-mutation",
        _FIGURES,
        5,
        'ax.set_title("three curves")',
        'ax.grid(True)\nax.set_title("three curves, 0 to 10")',
    ),
]

"""Files written in one cell and read in another; matplotlib figures; cells inserted into the notebook.

Every kernel starts in its own empty working directory, so the notebooks use
relative paths.
"""

from ..scenario import insertion, notebook

SCENARIOS = [
    notebook(
        "file-write-read",
        "file edit:add-mutation",
        [
            'path = "notes.txt"',
            'with open(path, "w") as f:\n    f.write("first line\\n")',
            "with open(path) as f:\n    lines = f.readlines()\nlen(lines)",
            "lines",
        ],
        edit=(2, 'with open(path, "w") as f:\n    f.write("first line\\n")\n    f.write("second line\\n")'),
    ),
    notebook(
        "file-append-log",
        "file edit:constant",
        [
            'from pathlib import Path\nlog_path = Path("run.log")\nlog_path.write_text("start\\n")',
            'with open(log_path, "a") as f:\n    f.write("step 1\\n")',
            "print(log_path.read_text())",
            "len(log_path.read_text().splitlines())",
        ],
        edit=(2, 'with open(log_path, "a") as f:\n    f.write("step 2\\n")'),
    ),
    notebook(
        "csv-roundtrip",
        "file pandas-inplace import edit:constant",
        [
            'from pathlib import Path\nimport pandas as pd\ndata_dir = Path("data")\ndata_dir.mkdir(exist_ok=True)',
            'pd.DataFrame({"k": [1, 2, 3]}).to_csv(data_dir / "k.csv", index=False)',
            'loaded = pd.read_csv(data_dir / "k.csv")\nloaded.k.sum()',
            'loaded["k2"] = loaded.k ** 2\nloaded',
        ],
        edit=(2, 'pd.DataFrame({"k": [4, 5, 6, 7]}).to_csv(data_dir / "k.csv", index=False)'),
    ),
    notebook(
        "json-config-saved-then-changed",
        "file dict dict-mutation import edit:constant",
        [
            'import json\nconfig = {"epochs": 3}',
            'with open("config.json", "w") as f:\n    json.dump(config, f)',
            'config["epochs"] = 5',
            'with open("config.json") as f:\n    saved = json.load(f)\nsaved',
            "config",
        ],
        edit=(1, 'import json\nconfig = {"epochs": 4, "lr": 0.1}'),
    ),
    notebook(
        "file-rename",
        "file import edit:constant",
        [
            'from pathlib import Path\nPath("draft.txt").write_text("v1")',
            'import os\nos.rename("draft.txt", "final.txt")',
            'sorted(p.name for p in Path(".").glob("*.txt"))',
            'Path("final.txt").read_text()',
        ],
        edit=(1, 'from pathlib import Path\nPath("draft.txt").write_text("version 2")'),
    ),
    notebook(
        "file-lines-listed",
        "file loop edit:constant",
        [
            'import os\nos.makedirs("out", exist_ok=True)',
            'for i in range(3):\n    with open(f"out/part{i}.txt", "w") as f:\n        f.write(str(i))',
            'sorted(os.listdir("out"))',
            'sum(int(open(os.path.join("out", n)).read()) for n in sorted(os.listdir("out")))',
        ],
        edit=(2, 'for i in range(5):\n    with open(f"out/part{i}.txt", "w") as f:\n        f.write(str(i))'),
    ),
    notebook(
        "plot-data-edited",
        "matplotlib list edit:mutation",
        [
            "import matplotlib.pyplot as plt\nxs = [0, 1, 2, 3]",
            "ys = [x ** 2 for x in xs]",
            'fig, ax = plt.subplots()\nax.plot(xs, ys)\nax.set_title("squares")',
            "print(len(ax.lines), list(ax.lines[0].get_ydata()))",
        ],
        edit=(2, "ys = [x ** 3 for x in xs]"),
    ),
    notebook(
        "plot-second-subplots",
        "matplotlib redefinition edit:constant",
        [
            "import matplotlib.pyplot as plt",
            'fig, ax = plt.subplots()\nax.bar(["a", "b"], [3, 5])\nax.set_title("bars")',
            "fig, ax = plt.subplots(figsize=(4, 3))\nax.plot([1, 2, 3], [3, 2, 1])\nfig.get_size_inches().tolist()",
            "ax.lines[0].get_xydata().tolist()",
            "ax.get_title()",
        ],
        edit=(
            3,
            "fig, ax = plt.subplots(figsize=(6, 2))\nax.plot([1, 2, 3], [1, 4, 9])\nfig.get_size_inches().tolist()",
        ),
    ),
    notebook(
        "plot-legend-label",
        "matplotlib attribute edit:constant",
        [
            "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()",
            'ax.plot([1, 2, 3], [2, 4, 6], label="double")',
            'ax.set_xlabel("x")\nax.legend()',
            "[t.get_text() for t in ax.get_legend().get_texts()]",
            "ax.get_xlabel()",
        ],
        edit=(2, 'ax.plot([1, 2, 3], [2, 4, 6], label="twice")'),
    ),
    notebook(
        "plot-hist-after-mask",
        "matplotlib numpy-inplace edit:mutation",
        [
            "import numpy as np\nimport matplotlib.pyplot as plt\ndata = np.array([1, 2, 2, 3, 3, 3, 4])",
            "fig, ax = plt.subplots()\ncounts, edges, patches = ax.hist(data, bins=3)\ncounts",
            "data[data == 3] = 4",
            "fig2, ax2 = plt.subplots()\ncounts2, _, _ = ax2.hist(data, bins=3)\ncounts2",
        ],
        edit=(3, "data[data == 1] = 2"),
    ),
    notebook(
        "plot-title-set-later",
        "matplotlib attribute edit:constant",
        [
            "import matplotlib.pyplot as plt\nvalues = [4, 1, 3]",
            "fig, ax = plt.subplots()\nax.plot(values)",
            'ax.set_title("first")',
            "ax.get_title(), len(ax.lines)",
        ],
        edit=(1, "import matplotlib.pyplot as plt\nvalues = [4, 1, 3, 8]"),
    ),
    insertion(
        "insert-column-above-describe",
        "insert pandas-inplace",
        [
            'import pandas as pd\ndf = pd.DataFrame({"a": [1, 2, 3], "b": [4, 5, 6]})',
            'df["c"] = df.a + df.b',
            'df.describe().loc["mean"]',
            "df.columns.tolist()",
        ],
        after=2,
        source='df["d"] = df.c * 2',
    ),
    insertion(
        "insert-append-middle",
        "insert list list-mutation",
        [
            "xs = [1, 2, 3]",
            "print(sum(xs))",
            "xs.append(10)",
            "len(xs)",
        ],
        after=1,
        source="xs.append(100)",
    ),
    insertion(
        "insert-redefinition",
        "insert int redefinition",
        [
            "x = 1",
            "y = x + 1\ny",
            "z = x * y\nz",
            "print(x, y, z)",
        ],
        after=2,
        source="x = 50",
    ),
    insertion(
        "insert-look-at-end",
        "insert int edit:look",
        [
            "prices = [3, 5, 2]",
            "prices.sort()",
            "total = sum(prices)",
            "cheapest = prices[0]",
        ],
        after=4,
        source="print(prices, total)",
    ),
    insertion(
        "insert-at-top",
        "insert int redefinition",
        [
            "import math",
            "r = 2",
            "area = math.pi * r ** 2\nround(area, 2)",
            'print(f"r={r}")',
        ],
        after=0,
        source="r = 10\nprint(r)",
    ),
]

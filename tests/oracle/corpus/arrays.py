"""pandas and numpy objects changed in place."""

from ..scenario import notebook

#: pandas 3.1 warns that ``inplace=`` of drop, rename and sort_values is deprecated; notebooks that use it say so.
_QUIET = 'import warnings\nwarnings.filterwarnings("ignore", message="The inplace keyword")\n'
_FRAME = 'import pandas as pd\ndf = pd.DataFrame({"a": [1, 2, 3, 4], "b": [10, 20, 30, 40], "c": [5, 6, 7, 8]})'

SCENARIOS = [
    notebook(
        "pandas-column-assign",
        "pandas-inplace edit:mutation",
        [
            _FRAME,
            'df["total"] = df.a * df.b',
            'df.describe().loc["mean"]',
            "df.head()",
        ],
        edit=(2, 'df["total"] = df.a + df.b'),
    ),
    notebook(
        "pandas-dropna-redefine",
        "pandas-inplace redefinition import edit:mutation",
        [
            "import pandas as pd\nimport numpy as np",
            'df = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0], "y": ["a", "b", None, "d"]})',
            "df = df.dropna()",
            "df = df.reset_index(drop=True)\nlen(df)",
            "df",
        ],
        edit=(3, 'df = df.dropna(subset=["x"])'),
    ),
    notebook(
        "pandas-drop-inplace",
        "pandas-inplace edit:mutation",
        [
            _QUIET + _FRAME + '\ndf["tmp"] = 0',
            'df.drop(columns=["tmp"], inplace=True)',
            "list(df.columns)",
            "df.shape",
        ],
        edit=(2, 'df.drop(columns=["tmp", "c"], inplace=True)'),
    ),
    notebook(
        "pandas-del-column",
        "pandas-inplace edit:mutation",
        [
            _FRAME,
            'del df["b"]',
            "df.columns.tolist()",
            "df.sum()",
        ],
        edit=(2, 'del df["c"]'),
    ),
    notebook(
        "pandas-rename-inplace",
        "pandas-inplace edit:constant",
        [
            _QUIET + _FRAME,
            'df.rename(columns={"a": "alpha"}, inplace=True)',
            "df.columns.tolist()",
            "df.iloc[0]",
        ],
        edit=(2, 'df.rename(columns={"a": "A", "b": "B"}, inplace=True)'),
    ),
    notebook(
        "pandas-update-patch",
        "pandas-inplace edit:constant",
        [
            _FRAME,
            'patch = pd.DataFrame({"b": [99]}, index=[1])',
            "df.update(patch)",
            "df",
        ],
        edit=(2, 'patch = pd.DataFrame({"b": [99]}, index=[2])'),
    ),
    notebook(
        "pandas-sort-inplace-look",
        "pandas-inplace edit:look",
        [
            _QUIET
            + 'import pandas as pd\nscores = pd.DataFrame({"name": ["ann", "bob", "cy"], "score": [88, 95, 70]})',
            'scores.sort_values("score", inplace=True)',
            'scores.iloc[0]["name"]',
            'scores["rank"] = range(1, 4)',
        ],
        edit=(3, 'scores.iloc[-1]["name"]'),
    ),
    notebook(
        "pandas-loc-flag",
        "pandas-inplace edit:constant",
        [
            'import pandas as pd\norders = pd.DataFrame({"qty": [1, 3, 5, 2], "sku": ["a", "b", "c", "d"]})',
            'orders["flag"] = "single"',
            'orders.loc[orders.qty > 2, "flag"] = "bulk"',
            'orders["flag"].value_counts().sort_index()',
            "orders.flag.tolist()",
        ],
        edit=(3, 'orders.loc[orders.qty > 1, "flag"] = "bulk"'),
    ),
    notebook(
        "pandas-fillna-inplace",
        "pandas-inplace edit:constant",
        [
            'import pandas as pd\nimport numpy as np\nreadings = pd.DataFrame({"t": [20.5, np.nan, 22.0, np.nan]})',
            'readings.fillna({"t": 0.0}, inplace=True)',
            "readings.t.mean()",
            "readings",
        ],
        edit=(2, 'readings.fillna({"t": 21.0}, inplace=True)'),
    ),
    notebook(
        "pandas-alias-frame",
        "pandas-inplace alias edit:constant",
        [
            _FRAME,
            "view = df",
            'view["d"] = view["a"] * 2',
            "df.columns.tolist()",
            'df["d"].sum()',
        ],
        edit=(3, 'view["d"] = view["a"] * 3'),
    ),
    notebook(
        "pandas-revenue-groupby",
        "pandas-inplace edit:mutation",
        [
            'import pandas as pd\nsales = pd.DataFrame({"region": ["n", "s", "n", "e"], "units": [3, 5, 2, 4],'
            ' "price": [10, 8, 10, 12]})',
            'sales["revenue"] = sales.units * sales.price',
            'summary = sales.groupby("region")["revenue"].sum()\nsummary',
            "summary.idxmax()",
        ],
        edit=(2, 'sales["revenue"] = sales.units * sales.price - 5'),
    ),
    notebook(
        "pandas-add-column-later",
        "pandas-inplace edit:add-mutation",
        [
            _FRAME,
            'df["ab"] = df.a + df.b',
            "df.shape",
            "df.mean().round(2)",
        ],
        edit=(2, 'df["ab"] = df.a + df.b\ndf["bc"] = df.b - df.c'),
    ),
    notebook(
        "numpy-slice-assign",
        "numpy-inplace import edit:mutation",
        [
            "import numpy as np\narr = np.arange(10)",
            "arr[2:5] = 0",
            "arr.sum()",
            "arr",
        ],
        edit=(2, "arr[5:] = -1"),
    ),
    notebook(
        "numpy-fancy-index",
        "numpy-inplace edit:mutation",
        [
            "import numpy as np\narr = np.array([5, 6, 7, 8, 9])",
            "arr[[0, 2]] = 100",
            "arr.max(), arr.min()",
            "arr.tolist()",
        ],
        edit=(2, "arr[[1, 3]] = 100"),
    ),
    notebook(
        "numpy-copyto",
        "numpy-inplace edit:mutation",
        [
            "import numpy as np\ndst = np.zeros(4)\nsrc = np.array([1.0, 2.0, 3.0, 4.0])",
            "np.copyto(dst, src)",
            "dst.mean()",
            "dst",
        ],
        edit=(2, "np.copyto(dst, src * 2)"),
    ),
    notebook(
        "numpy-place",
        "numpy-inplace edit:constant",
        [
            "import numpy as np\na = np.arange(6)",
            "np.place(a, a > 2, [0])",
            "a",
            "a.tolist().count(0)",
        ],
        edit=(2, "np.place(a, a > 3, [0])"),
    ),
    notebook(
        "numpy-view-of-row",
        "numpy-inplace alias augassign edit:mutation",
        [
            "import numpy as np\nm = np.arange(12).reshape(3, 4)",
            "row = m[1]",
            "row *= 2",
            "m",
            "m.sum()",
        ],
        edit=(3, "row += 100"),
    ),
    notebook(
        "numpy-out-parameter",
        "numpy-inplace edit:mutation",
        [
            "import numpy as np\nx = np.array([1.0, 4.0, 9.0])",
            "np.sqrt(x, out=x)",
            "x",
            "x.sum()",
        ],
        edit=(2, "np.multiply(x, 2, out=x)"),
    ),
    notebook(
        "numpy-normalise-weights",
        "numpy-inplace augassign edit:constant",
        [
            "import numpy as np\nweights = np.ones(3)",
            "weights /= weights.sum()",
            "weights.round(3)",
            "weights *= 3\nweights.sum()",
        ],
        edit=(1, "import numpy as np\nweights = np.ones(4)"),
    ),
    notebook(
        "numpy-mask-look",
        "numpy-inplace edit:look",
        [
            "import numpy as np\nsignal = np.array([3, -1, 4, -1, 5])",
            "signal[signal < 0] = 0",
            "signal.tolist()",
            "signal.cumsum()",
        ],
        edit=(3, "signal"),
    ),
    notebook(
        "pandas-update-patch-prints",
        "pandas-inplace import edit:constant",
        [
            'import pandas as pd\ndf = pd.DataFrame({"a": [1, 2, 3], "b": [10, 20, 30]})',
            'patch = pd.DataFrame({"b": [99]}, index=[1])\nprint("patch rows:", len(patch))',
            "df.update(patch)",
            "df",
        ],
        edit=(2, 'patch = pd.DataFrame({"b": [99]}, index=[2])\nprint("patch rows:", len(patch))'),
    ),
]

"""Numbers and strings, names redefined in several cells, ``+=``, loops, imports."""

from ..scenario import notebook

SCENARIOS = [
    notebook(
        "payroll-constant",
        "int edit:constant",
        [
            "rate = 3",
            "hours = 40",
            "pay = rate * hours\npay",
            'bonus = pay // 10\nprint(f"bonus: {bonus}")',
            "total = pay + bonus\ntotal",
        ],
        edit=(1, "rate = 5"),
    ),
    notebook(
        "print-between-writers",
        "int redefinition edit:look",
        [
            "x = 1",
            "print(x)\ny = x * 2",
            "x = 10",
            "x + y",
        ],
        edit=(2, "print(x)\ny = x * 3"),
    ),
    notebook(
        "augassign-later-cells",
        "int augassign redefinition edit:constant",
        [
            "count = 0",
            "count += 5\ncount",
            "count += 1\nprint(count)",
            "count * 2",
        ],
        edit=(2, "count += 7\ncount"),
    ),
    notebook(
        "self-reassign-chain",
        "int redefinition edit:constant",
        [
            "x = 2",
            "x = x + 1",
            "x = x * 10",
            "print(x)",
            "half = x / 2\nhalf",
        ],
        edit=(1, "x = 4"),
    ),
    notebook(
        "string-build",
        "str redefinition edit:constant",
        [
            'name = "ada"',
            'greeting = "hello, " + name',
            "greeting = greeting.title()",
            "print(greeting)\nlen(greeting)",
        ],
        edit=(1, 'name = "grace hopper"'),
    ),
    notebook(
        "string-accumulate-loop",
        "str list loop augassign edit:constant",
        [
            'words = ["alpha", "beta", "gamma"]',
            'initials = ""\nfor w in words:\n    initials += w[0]',
            "initials = initials.upper()",
            "initials",
            "print(len(initials), words[-1])",
        ],
        edit=(1, 'words = ["delta", "epsilon", "zeta", "eta"]'),
    ),
    notebook(
        "second-for-loop",
        "int list loop redefinition edit:constant",
        [
            "data = [3, 1, 4, 1, 5, 9, 2, 6]",
            "total = 0\nfor i in data:\n    total += i\ntotal",
            "squares = []\nfor i in range(4):\n    squares.append(i * i)\nsquares",
            "print(i, total, squares)",
        ],
        edit=(3, "squares = []\nfor i in range(6):\n    squares.append(i * i)\nsquares"),
    ),
    notebook(
        "import-in-two-cells",
        "import redefinition edit:constant",
        [
            "import math\nradius = 2.0",
            "area = math.pi * radius ** 2\nround(area, 3)",
            "import math\ncircumference = 2 * math.pi * radius\nround(circumference, 3)",
            "print(round(area / circumference, 3))",
        ],
        edit=(1, "import math\nradius = 3.5"),
    ),
    notebook(
        "import-alias-look",
        "import list edit:look",
        [
            "import statistics as stats\nvalues = [2, 4, 4, 4, 5, 5, 7, 9]",
            "stats.mean(values)",
            "import statistics\nspread = statistics.pstdev(values)\nspread",
            "values.append(11)\nlen(values)",
        ],
        edit=(2, "stats.median(values)"),
    ),
    notebook(
        "filter-redefine-list",
        "list redefinition edit:constant",
        [
            "scores = [90, None, 75, None, 60, 88]",
            "scores = [s for s in scores if s is not None]",
            "scores = sorted(scores)",
            "print(scores)",
            "avg = sum(scores) / len(scores)\nround(avg, 2)",
        ],
        edit=(1, "scores = [50, None, 95, 70]"),
    ),
    notebook(
        "augassign-look-only",
        "int augassign edit:look",
        [
            "a = 5",
            "a += 1",
            "print(a)",
            "b = a * 2\nb",
        ],
        edit=(3, "print(a, a * 2)"),
    ),
    notebook(
        "look-at-name-rewritten-below",
        "int redefinition edit:look",
        [
            "threshold = 10",
            "print(threshold)",
            "threshold = threshold * 2",
            "flag = 25 > threshold\nflag",
        ],
        edit=(2, 'print("threshold is", threshold)'),
    ),
    notebook(
        "remove-augassign-line",
        "int augassign edit:remove",
        [
            "n = 1",
            "n += 10\nn += 100",
            "print(n)",
            "digits = len(str(n))\ndigits",
        ],
        edit=(2, "n += 10"),
    ),
    notebook(
        "collatz-while",
        "int loop redefinition edit:constant",
        [
            "n = 27\nsteps = 0",
            "while n != 1:\n    n = n // 2 if n % 2 == 0 else 3 * n + 1\n    steps += 1",
            "print(steps, n)",
            "steps * 2",
        ],
        edit=(1, "n = 7\nsteps = 0"),
    ),
    notebook(
        "text-cleaning",
        "str redefinition edit:mutation",
        [
            'text = "  The quick brown fox  "',
            "text = text.strip()",
            "text = text.lower()",
            "words = text.split()\nlen(words)",
            "text",
        ],
        edit=(2, 'text = text.strip().replace("quick", "slow")'),
    ),
    notebook(
        "tuple-unpack-swap",
        "int swap redefinition edit:constant",
        [
            "point = (3, 4)",
            "x, y = point",
            "dist = (x ** 2 + y ** 2) ** 0.5\ndist",
            "x, y = y, x\nprint(x, y)",
            "x - y",
        ],
        edit=(1, "point = (6, 8)"),
    ),
    notebook(
        "counter-in-loop-cells",
        "int loop augassign edit:constant",
        [
            'events = ["click", "view", "click", "buy", "view", "click"]',
            "clicks = 0",
            'for e in events:\n    if e == "click":\n        clicks += 1',
            'for e in events:\n    if e == "buy":\n        clicks += 10',
            "print(clicks)",
        ],
        edit=(3, 'for e in events:\n    if e == "view":\n        clicks += 1'),
    ),
    notebook(
        "format-report",
        "str int edit:constant",
        [
            'title = "Quarterly"\nyear = 2023',
            'header = f"{title} report {year}"',
            "header = header.upper()",
            'underline = "=" * len(header)\nprint(header)\nprint(underline)',
        ],
        edit=(1, 'title = "Annual"\nyear = 2024'),
    ),
    notebook(
        "accumulate-add-line",
        "int augassign edit:add-mutation",
        [
            "budget = 100",
            "budget -= 30",
            "budget -= 20\nbudget",
            'print("left:", budget)',
        ],
        edit=(2, "budget -= 30\nbudget -= 5"),
    ),
    notebook(
        "drop-unread-definition",
        "int redefinition edit:remove",
        [
            'price = 4\nunused = "draft"',
            "qty = 3",
            "cost = price * qty",
            "print(cost)",
        ],
        edit=(1, "price = 5"),
    ),
    notebook(
        "edit-swaps-name-for-one-set-below",
        "int redefinition edit:remove",
        [
            "rate = 0.05",
            "fee = 1.5",
            "total = 100 + fee",
            "print(total)",
        ],
        edit=(1, "fee = 2.5"),
    ),
]

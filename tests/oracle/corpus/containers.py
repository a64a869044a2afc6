"""Lists, dicts and sets changed in place; aliases, nested containers, copies and swaps."""

from ..scenario import notebook

SCENARIOS = [
    notebook(
        "list-pop-index", "list list-mutation edit:mutation",
        [
            "ll = [10, 20, 30]",
            "ll.pop(1)",
            "print(ll)",
            "total = sum(ll)\ntotal",
        ],
        edit=(2, "ll.pop(2)"),
    ),
    notebook(
        "list-append-constant", "list list-mutation str edit:constant",
        [
            "items = [\"apple\"]",
            "items.append(\"banana\")\nitems.append(\"cherry\")",
            "len(items)",
            "\", \".join(items)",
        ],
        edit=(2, "items.append(\"banana\")\nitems.append(\"date\")"),
    ),
    notebook(
        "list-add-insert", "list list-mutation edit:add-mutation",
        [
            "queue = [1, 2, 3]",
            "queue.append(4)",
            "print(queue)",
            "first = queue[0]\nfirst",
        ],
        edit=(2, "queue.append(4)\nqueue.insert(0, 0)"),
    ),
    notebook(
        "list-sort-reverse", "list list-mutation edit:mutation",
        [
            "nums = [5, 3, 8, 1]",
            "nums.sort()",
            "smallest = nums[0]\nsmallest",
            "nums.reverse()\nnums",
            "print(smallest, nums[0])",
        ],
        edit=(2, "nums.sort(reverse=True)"),
    ),
    notebook(
        "stack-remove-push", "list list-mutation edit:remove",
        [
            "stack = []",
            "stack.append(\"a\")\nstack.append(\"b\")\nstack.append(\"c\")",
            "top = stack.pop()\ntop",
            "stack",
        ],
        edit=(2, "stack.append(\"a\")\nstack.append(\"b\")"),
    ),
    notebook(
        "list-extend-look", "list list-mutation edit:look",
        [
            "xs = [1, 2]",
            "xs.extend([3, 4])",
            "len(xs)",
            "ys = [x * 10 for x in xs]\nys",
        ],
        edit=(3, "xs"),
    ),
    notebook(
        "dict-setitem", "dict dict-mutation edit:constant",
        [
            "prices = {\"apple\": 1.0, \"pear\": 1.5}",
            "prices[\"kiwi\"] = 0.75",
            "prices[\"apple\"] = prices[\"apple\"] * 1.1\nround(prices[\"apple\"], 2)",
            "sorted(prices.items())",
            "print(len(prices))",
        ],
        edit=(2, "prices[\"kiwi\"] = 0.5"),
    ),
    notebook(
        "dict-del-key", "dict dict-mutation edit:mutation",
        [
            "config = {\"debug\": True, \"verbose\": False, \"level\": 3}",
            "del config[\"verbose\"]",
            "list(config)",
            "config.get(\"verbose\", \"missing\")",
        ],
        edit=(2, "del config[\"debug\"]"),
    ),
    notebook(
        "word-counts-update", "dict dict-mutation loop edit:remove",
        [
            "counts = {}",
            "for w in \"the cat and the hat and the bat\".split():\n    counts[w] = counts.get(w, 0) + 1",
            "counts.setdefault(\"dog\", 0)\ncounts.update({\"cat\": 10})",
            "counts",
            "max(counts, key=counts.get)",
        ],
        edit=(3, "counts.update({\"cat\": 1})"),
    ),
    notebook(
        "dict-pop-then-set", "dict dict-mutation edit:mutation",
        [
            "inventory = {\"bolts\": 10, \"nuts\": 20, \"washers\": 5}",
            "removed = inventory.pop(\"nuts\")\nremoved",
            "inventory[\"screws\"] = 7",
            "print(inventory)",
        ],
        edit=(2, "removed = inventory.pop(\"bolts\")\nremoved"),
    ),
    notebook(
        "set-add-discard", "set set-mutation edit:mutation",
        [
            "seen = {1, 2, 3}",
            "seen.add(4)\nseen.discard(1)",
            "sorted(seen)",
            "3 in seen",
        ],
        edit=(2, "seen.add(4)\nseen.discard(3)"),
    ),
    notebook(
        "set-augassign-ops", "set set-mutation augassign edit:constant",
        [
            "a = {\"x\", \"y\", \"z\"}",
            "b = {\"y\", \"z\", \"w\"}",
            "common = a & b\nsorted(common)",
            "a |= {\"v\"}",
            "sorted(a - b)",
        ],
        edit=(4, "a |= {\"v\", \"w\"}"),
    ),
    notebook(
        "alias-append", "list alias list-mutation edit:constant",
        [
            "a = [1, 2, 3]",
            "b = a\nb.append(0)",
            "print(a)",
            "len(a), len(b)",
        ],
        edit=(2, "b = a\nb.append(99)"),
    ),
    notebook(
        "alias-source-edited", "list alias list-mutation edit:constant",
        [
            "a = [1, 2, 3]",
            "b = a",
            "b.append(4)",
            "a",
        ],
        edit=(1, "a = [5, 6]"),
    ),
    notebook(
        "alias-dict-settings", "dict alias dict-mutation edit:add-mutation",
        [
            "settings = {\"theme\": \"dark\"}",
            "current = settings",
            "current[\"font\"] = 12",
            "print(settings)",
            "len(settings)",
        ],
        edit=(3, "current[\"font\"] = 14\ncurrent[\"theme\"] = \"light\""),
    ),
    notebook(
        "nested-shared-row", "list nested alias list-mutation edit:mutation",
        [
            "row = [0, 0, 0]",
            "grid = [row, row]",
            "grid[0][1] = 5",
            "print(grid)\nrow",
        ],
        edit=(3, "grid[1][2] = 7"),
    ),
    notebook(
        "shallow-vs-deep-copy", "list nested copy list-mutation import edit:mutation",
        [
            "import copy\nmatrix = [[1, 2], [3, 4]]",
            "shallow = copy.copy(matrix)\ndeep = copy.deepcopy(matrix)",
            "shallow[0].append(99)\ndeep[1].append(-1)",
            "print(matrix)",
            "deep",
        ],
        edit=(3, "shallow[1].append(42)\ndeep[1].append(-1)"),
    ),
    notebook(
        "alias-becomes-copy", "list alias copy list-mutation edit:mutation",
        [
            "base = [3, 1, 2]",
            "sorted_copy = base.copy()\nsorted_copy.sort()",
            "alias = base\nalias.sort(reverse=True)",
            "base, sorted_copy",
        ],
        edit=(3, "alias = list(base)\nalias.sort(reverse=True)"),
    ),
    notebook(
        "swap-then-append", "list swap list-mutation edit:constant",
        [
            "left = [1, 2]\nright = [3, 4]",
            "left, right = right, left",
            "left.append(5)",
            "print(left, right)",
        ],
        edit=(1, "left = [10]\nright = [20, 30]"),
    ),
    notebook(
        "list-held-in-dict", "list dict nested alias list-mutation edit:add-mutation",
        [
            "tags = [\"red\"]",
            "item = {\"name\": \"box\", \"tags\": tags}",
            "item[\"tags\"].append(\"blue\")",
            "tags",
            "len(item[\"tags\"])",
        ],
        edit=(3, "item[\"tags\"].append(\"green\")\nitem[\"tags\"].append(\"blue\")"),
    ),
    notebook(
        "list-slice-assign", "list list-mutation edit:mutation",
        [
            "seq = list(range(8))",
            "seq[2:5] = [0, 0]",
            "seq",
            "sum(seq)",
        ],
        edit=(2, "seq[::2] = [9, 9, 9, 9]"),
    ),
    notebook(
        "list-clear-look", "list list-mutation edit:look",
        [
            "buf = [\"x\", \"y\"]",
            "buf.clear()\nbuf.append(\"z\")",
            "print(buf)",
            "buf.append(\"w\")\n\"\".join(buf)",
        ],
        edit=(3, "print(len(buf), buf)"),
    ),
    notebook(
        "dict-comprehension-redefine", "dict redefinition edit:constant",
        [
            "grades = {\"ann\": 81, \"bob\": 67, \"cy\": 92}",
            "grades = {k: v + 5 for k, v in grades.items()}",
            "passed = [k for k, v in grades.items() if v >= 75]\npassed",
            "grades",
        ],
        edit=(2, "grades = {k: v + 10 for k, v in grades.items()}"),
    ),
    notebook(
        "edit-breaks-later-key", "dict dict-mutation error edit:mutation",
        [
            "d = {\"a\": 1}",
            "d[\"b\"] = 2",
            "d[\"a\"] + d[\"b\"]",
            "sorted(d)",
        ],
        edit=(2, "d[\"c\"] = 2"),
    ),
    notebook(
        "tuple-of-lists-mutated", "list alias nested list-mutation edit:mutation",
        [
            "pair = ([1], [2])",
            "first, second = pair",
            "first.append(10)",
            "pair",
            "print(first, second)",
        ],
        edit=(3, "second.append(20)"),
    ),
    notebook(
        "dict-of-lists-setdefault", "dict list nested dict-mutation loop edit:constant",
        [
            "pairs = [(\"a\", 1), (\"b\", 2), (\"a\", 3)]",
            "groups = {}\nfor k, v in pairs:\n    groups.setdefault(k, []).append(v)",
            "groups[\"a\"].append(100)",
            "groups",
            "{k: sum(v) for k, v in groups.items()}",
        ],
        edit=(3, "groups[\"a\"].append(5)"),
    ),
    notebook(
        "rename-list-changed-below", "list list-mutation redefinition edit:remove",
        [
            "xs = [3, 1, 2]",
            "xs.sort()",
            "xs.append(4)",
            "print(xs)",
        ],
        edit=(1, "ys = [3, 1, 2]"),
    ),
    notebook(
        "unpacked-pair-edited-cell-prints", "list alias nested list-mutation edit:mutation",
        [
            "pair = ([1], [2])",
            "first, second = pair",
            "first.append(10)\nprint(len(first))",
            "print(first, second)",
        ],
        edit=(3, "second.append(20)\nprint(len(second))"),
    ),
]

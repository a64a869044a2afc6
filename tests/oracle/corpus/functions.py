"""Functions and methods that change their arguments, ``self`` or globals; closures; generators."""

from ..scenario import notebook

_ACCOUNT = """class Account:
    def __init__(self, balance):
        self.balance = balance

    def deposit(self, amount):
        self.balance += amount
        return self.balance"""

_INVENTORY = """class Inventory:
    def __init__(self):
        self.items = []

    def add(self, item):
        self.items.append(item)

    def count(self):
        return len(self.items)"""

SCENARIOS = [
    notebook(
        "function-appends-argument",
        "function-mutates list edit:constant",
        [
            "def add_item(lst, item):\n    lst.append(item)",
            'cart = ["milk"]',
            'add_item(cart, "eggs")',
            "print(cart)",
            "len(cart)",
        ],
        edit=(3, 'add_item(cart, "bread")'),
    ),
    notebook(
        "function-redefined-later",
        "function redefinition edit:constant",
        [
            "def scale(v):\n    return v * 2",
            "data = [1, 2, 3]",
            "scaled = [scale(v) for v in data]\nscaled",
            "def scale(v):\n    return v * 10",
            "[scale(v) for v in data]",
        ],
        edit=(1, "def scale(v):\n    return v * 3"),
    ),
    notebook(
        "mutable-default-argument",
        "function-mutates list edit:constant",
        [
            "def log(msg, history=[]):\n    history.append(msg)\n    return len(history)",
            'log("start")',
            'log("step")',
            'log("end")',
        ],
        edit=(3, 'log("middle")'),
    ),
    notebook(
        "method-deposit-and-attribute",
        "method-mutates attribute edit:constant",
        [
            _ACCOUNT,
            "acct = Account(100)",
            'acct.deposit(50)\nacct.owner = "kim"',
            "acct.balance",
            'print(f"{acct.owner}: {acct.balance}")',
        ],
        edit=(3, 'acct.deposit(75)\nacct.owner = "lee"'),
    ),
    notebook(
        "method-appends-to-self",
        "method-mutates list edit:remove",
        [
            _INVENTORY,
            "inv = Inventory()",
            'inv.add("hammer")\ninv.add("saw")',
            "inv.count()",
            "inv.items",
        ],
        edit=(3, 'inv.add("hammer")'),
    ),
    notebook(
        "attribute-halved",
        "attribute augassign edit:constant",
        [
            "class Config:\n    pass",
            "cfg = Config()\ncfg.lr = 0.1",
            "cfg.lr = cfg.lr / 2",
            "print(cfg.lr)",
        ],
        edit=(2, "cfg = Config()\ncfg.lr = 0.4"),
    ),
    notebook(
        "dataclass-lines",
        "method-mutates list import edit:constant",
        [
            "from dataclasses import dataclass, field\n\n@dataclass\nclass Order:\n    id: int\n"
            "    lines: list = field(default_factory=list)",
            "order = Order(1)",
            'order.lines.append(("pen", 2))',
            "order",
            "sum(q for _, q in order.lines)",
        ],
        edit=(3, 'order.lines.append(("pen", 5))'),
    ),
    notebook(
        "function-fills-registry",
        "function-mutates dict edit:constant",
        [
            "def register(registry, name, value):\n    registry[name] = value",
            "registry = {}",
            'register(registry, "a", 1)\nregister(registry, "b", 2)',
            "registry",
        ],
        edit=(3, 'register(registry, "a", 1)\nregister(registry, "b", 20)'),
    ),
    notebook(
        "generator-restarted",
        "generator edit:constant",
        [
            "def countdown(n):\n    while n > 0:\n        yield n\n        n -= 1",
            "gen = countdown(5)",
            "first = next(gen)\nsecond = next(gen)",
            "rest = list(gen)\nrest",
            "print(first, second)",
        ],
        edit=(2, "gen = countdown(7)"),
    ),
    notebook(
        "generator-consumed-more",
        "generator edit:add-mutation",
        [
            "nums = [1, 2, 3, 4, 5, 6]",
            "evens = (n for n in nums if n % 2 == 0)",
            "first_even = next(evens)\nfirst_even",
            "remaining = list(evens)\nremaining",
        ],
        edit=(3, "first_even = next(evens)\nsecond_even = next(evens)\nfirst_even + second_even"),
    ),
    notebook(
        "loop-scales-list",
        "loop list list-mutation augassign edit:mutation",
        [
            "values = [1, 2, 3, 4]",
            "for i in range(len(values)):\n    values[i] *= 10",
            "values",
            "doubled = [v * 2 for v in values]\ndoubled",
        ],
        edit=(2, "for i in range(len(values)):\n    values[i] += 1"),
    ),
    notebook(
        "loop-prunes-dict",
        "loop dict dict-mutation edit:constant",
        [
            'stock = {"a": 5, "b": 0, "c": 2}',
            "for k in list(stock):\n    if stock[k] == 0:\n        del stock[k]",
            "stock",
            "for k in stock:\n    stock[k] -= 1\nstock",
        ],
        edit=(1, 'stock = {"a": 0, "b": 3, "c": 1, "d": 0}'),
    ),
    notebook(
        "closure-counter",
        "function-mutates closure edit:remove",
        [
            "def make_counter():\n    count = 0\n    def inc():\n        nonlocal count\n        count += 1\n"
            "        return count\n    return inc",
            "counter = make_counter()",
            "counter()\ncounter()",
            "counter()",
        ],
        edit=(3, "counter()"),
    ),
    notebook(
        "records-sort-key",
        "list dict nested list-mutation augassign edit:mutation",
        [
            'records = [\n    {"name": "ann", "age": 34},\n    {"name": "bob", "age": 27},\n'
            '    {"name": "cy", "age": 45},\n]',
            'records.sort(key=lambda r: r["age"])',
            '[r["name"] for r in records]',
            'records[0]["age"] += 1',
            "records[0]",
        ],
        edit=(2, 'records.sort(key=lambda r: r["name"], reverse=True)'),
    ),
    notebook(
        "function-writes-global",
        "function-mutates int edit:remove",
        [
            "total = 0",
            "def add(n):\n    global total\n    total += n",
            "add(5)\nadd(7)",
            "total",
        ],
        edit=(3, "add(5)"),
    ),
    notebook(
        "method-look-only-edit",
        "method-mutates list edit:look",
        [
            _INVENTORY,
            'inv = Inventory()\ninv.add("nail")',
            'inv.add("glue")',
            "inv.count()",
        ],
        edit=(4, "print(inv.count(), inv.items)"),
    ),
    notebook(
        "class-method-changes-shared-list",
        "method-mutates alias list edit:remove",
        [
            _INVENTORY,
            "shelf = Inventory()",
            "shared = shelf.items",
            'shelf.add("tape")\nshelf.add("rope")',
            "shared",
        ],
        edit=(4, 'shelf.add("tape")'),
    ),
]

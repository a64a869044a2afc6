"""Longer notebooks in plain Python: text processing, simulations with a seeded RNG, games and puzzles, ledgers.

Each is written the way people write notebooks (imports, data, helpers defined
once and reused, several independent sections, looks at values along the way,
a report at the end) and gets one edit where people edit: a parameter near the
top, a cleaning step, one section, a helper's body, a constant further down, or
a cell that only looks.  ``where:...`` tags the place.
"""

from ..scenario import rewrite

_TEXT = [
    r"""import re
from collections import Counter""",
    r"""TEXT = (
    "The river was quiet in the morning. A heron stood in the shallows and the mist was low. "
    "By noon the boats came out, and the river was loud with engines and voices. "
    "The heron left. In the evening the light was gold on the water, and the river was quiet again. "
    "It is the same river every day, and it is never the same river."
)""",
    r"""STOPWORDS = {"the", "a", "and", "of", "to", "in", "is", "it", "on", "with"}""",
    r"""def tokenize(text):
    return re.findall(r"[a-z']+", text.lower())""",
    r"""tokens = tokenize(TEXT)
len(tokens)""",
    r"""words = [t for t in tokens if t not in STOPWORDS]
print(len(words), "words after removing stopwords")""",
    r"""counts = Counter(words)
counts.most_common(5)""",
    r"""sentences = [s.strip() for s in re.split(r"[.!?]", TEXT) if s.strip()]
lengths = [len(tokenize(s)) for s in sentences]
print(len(sentences), "sentences")""",
    r"""avg_len = sum(lengths) / len(lengths)
round(avg_len, 2)""",
    r"""longest = max(sentences, key=lambda s: len(tokenize(s)))
longest""",
    r"""bigrams = Counter(zip(words, words[1:]))
bigrams.most_common(3)""",
    r"""vocab = sorted(set(words))
len(vocab)""",
    r"""def lexical_diversity(ws):
    return len(set(ws)) / len(ws)

round(lexical_diversity(words), 3)""",
    r"""top_word = counts.most_common(1)[0][0]
print(f"{len(tokens)} tokens, {len(vocab)} distinct, top word {top_word!r}")
print(f"average sentence length {avg_len:.1f}, diversity {lexical_diversity(words):.2f}")""",
]

_DICE = [
    r"""import random
import statistics
from collections import Counter""",
    r"""N_ROLLS = 600
SEED = 7""",
    r"""rng = random.Random(SEED)
rolls = [rng.randint(1, 6) + rng.randint(1, 6) for _ in range(N_ROLLS)]
rolls[:10]""",
    r"""freq = Counter(rolls)
for total in range(2, 13):
    print(f"{total:2d} {'#' * (freq[total] // 5)}")""",
    r"""expected = {t: N_ROLLS * (6 - abs(t - 7)) / 36 for t in range(2, 13)}
chi2 = sum((freq[t] - expected[t]) ** 2 / expected[t] for t in expected)
round(chi2, 2)""",
    r"""statistics.mean(rolls), statistics.median(rolls)""",
    r"""def longest_streak(seq, pred):
    best = cur = 0
    for v in seq:
        cur = cur + 1 if pred(v) else 0
        best = max(best, cur)
    return best""",
    r"""sevens_streak = longest_streak(rolls, lambda v: v == 7)
high_streak = longest_streak(rolls, lambda v: v >= 9)
sevens_streak, high_streak""",
    r"""def play_craps(rng):
    roll = rng.randint(1, 6) + rng.randint(1, 6)
    if roll in (7, 11):
        return True
    if roll in (2, 3, 12):
        return False
    point = roll
    while True:
        roll = rng.randint(1, 6) + rng.randint(1, 6)
        if roll == point:
            return True
        if roll == 7:
            return False""",
    r"""game_rng = random.Random(99)
wins = sum(play_craps(game_rng) for _ in range(500))
win_rate = wins / 500
win_rate""",
    r"""print(f"{N_ROLLS} rolls, chi-square {chi2:.2f}")
print(f"longest run of sevens: {sevens_streak}, of 9 or more: {high_streak}")
print(f"craps win rate: {win_rate:.1%}")""",
]

_INVENTORY = [
    r"""stock = {"apple": 50, "banana": 30, "cherry": 100, "date": 20}
prices = {"apple": 0.5, "banana": 0.25, "cherry": 0.1, "date": 1.5}""",
    r"""orders = [
    ("alice", "apple", 10), ("bob", "banana", 5), ("carol", "cherry", 40),
    ("alice", "date", 4), ("dave", "apple", 25), ("bob", "cherry", 70),
    ("erin", "date", 10), ("carol", "apple", 20),
]
len(orders)""",
    r"""def order_total(item, qty):
    return round(prices[item] * qty, 2)""",
    r"""def fulfil(order, stock):
    customer, item, qty = order
    if stock[item] < qty:
        return customer, item, 0
    stock[item] -= qty
    return customer, item, qty""",
    r"""shipped = [fulfil(o, stock) for o in orders]
shipped""",
    r"""stock""",
    r"""backorders = [(c, i) for (c, i, q), (_, _, want) in zip(shipped, orders) if q < want]
backorders""",
    r"""revenue = {}
for customer, item, qty in shipped:
    revenue[customer] = revenue.get(customer, 0) + order_total(item, qty)
revenue""",
    r"""top_customer = max(revenue, key=revenue.get)
top_customer, revenue[top_customer]""",
    r"""REORDER_LEVEL = 15
to_reorder = sorted(item for item, left in stock.items() if left < REORDER_LEVEL)
to_reorder""",
    r"""for item in to_reorder:
    stock[item] += 100
stock""",
    r"""print(f"shipped {sum(q for _, _, q in shipped)} units to {len(revenue)} customers")
print(f"revenue {sum(revenue.values()):.2f}, best customer {top_customer}")
print("reordered:", ", ".join(to_reorder) or "nothing")""",
]

_GRADES = [
    r"""scores = {
    "ana": [88, 92, 79, 95],
    "ben": [72, 65, 80, 70],
    "cleo": [95, 98, 100, 91],
    "dev": [55, 62, 48, 70],
    "eli": [81, 77, 85, 90],
    "fay": [67, 74, 71, 60],
}""",
    r"""WEIGHTS = [0.2, 0.2, 0.3, 0.3]""",
    r"""def weighted(marks, weights=WEIGHTS):
    return sum(m * w for m, w in zip(marks, weights))""",
    r"""final = {name: round(weighted(m), 1) for name, m in scores.items()}
final""",
    r"""class_mean = sum(final.values()) / len(final)
print(f"class mean {class_mean:.1f}")""",
    r"""CURVE_TARGET = 80
shift = max(0, CURVE_TARGET - class_mean)
curved = {n: min(100, round(s + shift, 1)) for n, s in final.items()}
curved""",
    r"""CUTOFFS = [(90, "A"), (80, "B"), (70, "C"), (60, "D")]""",
    r'''def letter(score):
    for cutoff, grade in CUTOFFS:
        if score >= cutoff:
            return grade
    return "F"''',
    r"""letters = {n: letter(s) for n, s in curved.items()}
letters""",
    r"""from collections import Counter
Counter(letters.values())""",
    r"""trend = {n: m[-1] - m[0] for n, m in scores.items()}
most_improved = max(trend, key=trend.get)
most_improved, trend[most_improved]""",
    r"""for name in sorted(scores):
    print(f"{name:5} {final[name]:5.1f} -> {curved[name]:5.1f} {letters[name]}")""",
    r"""passed = [n for n, g in letters.items() if g != "F"]
print(f"{len(passed)}/{len(scores)} passed; most improved: {most_improved}")""",
]

_TICTACTOE = [
    r"""board = [[" "] * 3 for _ in range(3)]""",
    r"""def show(b):
    for i, row in enumerate(b):
        print(" | ".join(row))
        if i < 2:
            print("--+---+--")""",
    r"""def winner(b):
    lines = [row[:] for row in b]
    lines += [[b[r][c] for r in range(3)] for c in range(3)]
    lines.append([b[i][i] for i in range(3)])
    lines.append([b[i][2 - i] for i in range(3)])
    for line in lines:
        if line[0] != " " and line.count(line[0]) == 3:
            return line[0]
    return None""",
    r"""moves = [(1, 1), (0, 0), (0, 2), (2, 0), (1, 0), (1, 2), (2, 1), (0, 1), (2, 2)]""",
    r"""history = []
player = "X"
for r, c in moves:
    if winner(board):
        break
    board[r][c] = player
    history.append((player, r, c))
    player = "O" if player == "X" else "X"
len(history)""",
    r"""show(board)""",
    r"""result = winner(board) or "draw"
result""",
    r"""free = [(r, c) for r in range(3) for c in range(3) if board[r][c] == " "]
free""",
    r"""from collections import Counter
Counter(p for p, _, _ in history)""",
    r"""corners = {(0, 0), (0, 2), (2, 0), (2, 2)}
corner_moves = [m for m in history if (m[1], m[2]) in corners]
len(corner_moves)""",
    r"""print(f"game over after {len(history)} moves: {result}")""",
]

_MAZE = [
    r"""MAZE = [
    "#########",
    "#S..#...#",
    "#.#.#.#.#",
    "#.#...#.#",
    "#.#####.#",
    "#...#..E#",
    "#########",
]""",
    r"""from collections import deque""",
    r"""def find(ch):
    for r, row in enumerate(MAZE):
        if ch in row:
            return r, row.index(ch)

start, end = find("S"), find("E")
start, end""",
    r"""def neighbours(pos):
    r, c = pos
    for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        if MAZE[r + dr][c + dc] != "#":
            yield r + dr, c + dc""",
    r"""def bfs(start, goal):
    prev = {start: None}
    queue = deque([start])
    while queue:
        cur = queue.popleft()
        if cur == goal:
            break
        for nxt in neighbours(cur):
            if nxt not in prev:
                prev[nxt] = cur
                queue.append(nxt)
    path = []
    node = goal if goal in prev else None
    while node is not None:
        path.append(node)
        node = prev[node]
    return path[::-1], len(prev)""",
    r"""path, explored = bfs(start, end)
print(f"path of {len(path) - 1} steps, {explored} cells explored")""",
    r"""grid = [list(row) for row in MAZE]
for r, c in path[1:-1]:
    grid[r][c] = "*"
print("\n".join("".join(row) for row in grid))""",
    r"""open_cells = sum(row.count(".") for row in MAZE)
walls = sum(row.count("#") for row in MAZE)
open_cells, walls""",
    r"""dead_ends = [
    (r, c) for r, row in enumerate(MAZE) for c, ch in enumerate(row)
    if ch == "." and len(list(neighbours((r, c)))) == 1
]
dead_ends""",
    r"""print(f"maze {len(MAZE)}x{len(MAZE[0])}: {open_cells} open, {len(dead_ends)} dead ends, shortest path {len(path) - 1}")""",
]

_BANK = [
    r"""from dataclasses import dataclass, field""",
    r"""@dataclass
class Account:
    owner: str
    balance: float = 0.0
    history: list = field(default_factory=list)

    def deposit(self, amount, note=""):
        self.balance += amount
        self.history.append(("deposit", amount, note))

    def withdraw(self, amount, note=""):
        if amount > self.balance:
            self.history.append(("refused", amount, note))
            return False
        self.balance -= amount
        self.history.append(("withdraw", amount, note))
        return True""",
    r"""accounts = {name: Account(name) for name in ["ada", "grace", "linus"]}""",
    r"""transactions = [
    ("ada", "deposit", 500, "salary"), ("grace", "deposit", 800, "salary"),
    ("linus", "deposit", 300, "gift"), ("ada", "withdraw", 120, "groceries"),
    ("linus", "withdraw", 450, "laptop"), ("grace", "withdraw", 200, "rent"),
    ("ada", "withdraw", 60, "books"), ("linus", "deposit", 200, "refund"),
]""",
    r"""for who, kind, amount, note in transactions:
    getattr(accounts[who], kind)(amount, note)
{n: a.balance for n, a in accounts.items()}""",
    r"""refused = [(n, h) for n, a in accounts.items() for h in a.history if h[0] == "refused"]
refused""",
    r"""accounts["ada"].history""",
    r"""INTEREST_RATE = 0.02""",
    r"""def monthly_interest(acct, rate=None):
    rate = INTEREST_RATE if rate is None else rate
    return round(acct.balance * rate / 12, 2)

interest = {n: monthly_interest(a) for n, a in accounts.items()}
interest""",
    r"""projection = {}
for n, a in accounts.items():
    bal = a.balance
    for month in range(12):
        bal += bal * INTEREST_RATE / 12
    projection[n] = round(bal, 2)
projection""",
    r"""for n, a in accounts.items():
    print(f"{n:6} balance {a.balance:8.2f}  ({len(a.history)} entries)")""",
    r"""total = sum(a.balance for a in accounts.values())
print(f"bank holds {total:.2f}; {len(refused)} refused; interest next month {sum(interest.values()):.2f}")""",
]

_LOGS = [
    r"""import re
from collections import Counter, defaultdict""",
    r"""LOG_LINES = [
    "2024-03-01 09:00:01 INFO  GET /home 200 12ms",
    "2024-03-01 09:00:05 INFO  GET /products 200 48ms",
    "2024-03-01 09:02:11 WARN  GET /products 200 310ms",
    "2024-03-01 09:15:40 INFO  POST /cart 201 95ms",
    "2024-03-01 10:01:02 ERROR POST /checkout 500 1204ms",
    "2024-03-01 10:03:09 INFO  GET /home 200 9ms",
    "2024-03-01 10:20:30 INFO  GET /products 200 51ms",
    "2024-03-01 10:21:00 INFO  POST /checkout 200 402ms",
    "2024-03-01 11:00:00 WARN  GET /search 200 250ms",
    "2024-03-01 11:05:12 ERROR GET /search 503 30ms",
    "2024-03-01 11:06:40 INFO  GET /home 200 14ms",
    "2024-03-01 11:30:55 INFO  POST /cart 201 88ms",
    "2024-03-01 11:45:01 INFO  GET /products 200 44ms",
    "2024-03-01 12:00:00 INFO  GET /home 200 11ms",
]""",
    r"""PATTERN = re.compile(r"(\S+) (\d+):(\d+):\d+ (\w+)\s+(\w+) (\S+) (\d+) (\d+)ms")""",
    r"""def parse(line):
    date, hour, minute, level, method, path, status, ms = PATTERN.match(line).groups()
    return {"hour": int(hour), "level": level, "method": method, "path": path, "status": int(status), "ms": int(ms)}""",
    r"""records = [parse(line) for line in LOG_LINES]
len(records)""",
    r"""by_level = Counter(r["level"] for r in records)
by_level""",
    r"""errors = [r for r in records if r["status"] >= 500]
for r in errors:
    print(r["hour"], r["path"], r["status"])""",
    r"""latency = defaultdict(list)
for r in records:
    latency[r["path"]].append(r["ms"])
mean_latency = {p: sum(v) / len(v) for p, v in latency.items()}
sorted(mean_latency.items(), key=lambda kv: -kv[1])[:3]""",
    r"""per_hour = Counter(r["hour"] for r in records)
busiest = max(per_hour, key=per_hour.get)
busiest, per_hour[busiest]""",
    r"""slow = [r for r in records if r["ms"] > 200]
len(slow)""",
    r"""print(f"{len(records)} requests, {len(errors)} errors, busiest hour {busiest}:00")
print(f"slowest path: {max(mean_latency, key=mean_latency.get)}")""",
    r"""mean_latency""",
]

_LIFE = [
    r"""GLIDER = {(0, 1), (1, 2), (2, 0), (2, 1), (2, 2)}
BLINKER = {(1, 0), (1, 1), (1, 2)}""",
    r"""SIZE = 8""",
    r"""def step(cells):
    counts = {}
    for r, c in cells:
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                if dr or dc:
                    key = ((r + dr) % SIZE, (c + dc) % SIZE)
                    counts[key] = counts.get(key, 0) + 1
    return {k for k, n in counts.items() if n == 3 or (n == 2 and k in cells)}""",
    r"""def render(cells):
    return "\n".join("".join("#" if (r, c) in cells else "." for c in range(SIZE)) for r in range(SIZE))""",
    r"""print(render(GLIDER))""",
    r"""GENERATIONS = 4
state = set(GLIDER)
population = [len(state)]
for _ in range(GENERATIONS):
    state = step(state)
    population.append(len(state))
print(render(state))""",
    r"""population""",
    r"""shift = (min(r for r, _ in state), min(c for _, c in state))
shift""",
    r"""b = set(BLINKER)
period = None
for gen in range(1, 10):
    b = step(b)
    if b == BLINKER:
        period = gen
        break
period""",
    r"""import random
soup_rng = random.Random(3)
soup = {(r, c) for r in range(SIZE) for c in range(SIZE) if soup_rng.random() < 0.3}
soup_history = [len(soup)]
for _ in range(10):
    soup = step(soup)
    soup_history.append(len(soup))
soup_history""",
    r"""print(f"glider at {shift} after {GENERATIONS} generations; blinker period {period}; soup ends with {soup_history[-1]} cells")""",
]

_MARKOV = [
    r"""import random
from collections import defaultdict""",
    r"""CORPUS = (
    "the cat sat on the mat. the dog sat on the log. the cat saw the dog. "
    "the dog saw the cat on the mat. a cat and a dog sat on a log. "
    "the cat ran. the dog ran after the cat. the cat sat on the dog."
)""",
    r"""words = CORPUS.lower().replace(".", " .").split()
len(words)""",
    r"""def build_chain(words, order=1):
    chain = defaultdict(list)
    for i in range(len(words) - order):
        chain[tuple(words[i:i + order])].append(words[i + order])
    return chain""",
    r"""chain = build_chain(words)
len(chain)""",
    r"""def generate(chain, rng, start, length=12):
    out = list(start)
    for _ in range(length):
        options = chain.get(tuple(out[-len(start):]))
        if not options:
            break
        out.append(rng.choice(options))
    return " ".join(out)""",
    r"""gen_rng = random.Random(42)
for _ in range(3):
    print(generate(chain, gen_rng, ("the",)))""",
    r"""branching = {k: len(set(v)) for k, v in chain.items()}
most_branching = max(branching, key=branching.get)
most_branching, branching[most_branching]""",
    r"""chain2 = build_chain(words, order=2)
len(chain2)""",
    r"""rng2 = random.Random(7)
sample2 = generate(chain2, rng2, ("the", "cat"), length=10)
sample2""",
    r"""print(f"{len(words)} words, {len(chain)} states of order 1, {len(chain2)} of order 2")
print("sample:", sample2)""",
]

_QUEUE = [
    r"""import random
import statistics""",
    r"""ARRIVAL_RATE = 1 / 3.0   # customers per minute
SERVICE_MEAN = 2.5       # minutes
CUSTOMERS = 300""",
    r"""def simulate(seed, tellers=1):
    rng = random.Random(seed)
    t = 0.0
    free_at = [0.0] * tellers
    waits = []
    for _ in range(CUSTOMERS):
        t += rng.expovariate(ARRIVAL_RATE)
        i = min(range(tellers), key=lambda k: free_at[k])
        start = max(t, free_at[i])
        waits.append(start - t)
        free_at[i] = start + rng.expovariate(1 / SERVICE_MEAN)
    return waits, max(free_at)""",
    r"""waits, closing = simulate(seed=1)
print(f"mean wait {statistics.mean(waits):.2f} min, last customer leaves at {closing:.0f}")""",
    r"""waited = [w for w in waits if w > 0]
round(len(waited) / len(waits), 3)""",
    r"""p90 = sorted(waits)[int(0.9 * len(waits))]
round(p90, 2)""",
    r"""waits2, closing2 = simulate(seed=1, tellers=2)
round(statistics.mean(waits2), 3)""",
    r"""improvement = statistics.mean(waits) - statistics.mean(waits2)
round(improvement, 2)""",
    r"""means = [statistics.mean(simulate(seed)[0]) for seed in range(10)]
[round(m, 2) for m in means]""",
    r"""round(statistics.stdev(means), 3)""",
    r"""print(f"one teller: mean wait {statistics.mean(waits):.2f}, 90% wait under {p90:.1f} min")
print(f"two tellers save {improvement:.2f} min on average")""",
]

_RECIPE = [
    r"""RECIPE = {
    "name": "pancakes",
    "serves": 4,
    "ingredients": [("flour", 200, "g"), ("milk", 300, "ml"), ("egg", 2, ""), ("sugar", 25, "g"), ("butter", 30, "g")],
}""",
    r"""SERVINGS = 6""",
    r"""def scale(recipe, servings):
    factor = servings / recipe["serves"]
    return [(name, round(qty * factor, 1), unit) for name, qty, unit in recipe["ingredients"]]""",
    r"""scaled = scale(RECIPE, SERVINGS)
scaled""",
    r"""def fmt(item):
    name, qty, unit = item
    qty = int(qty) if qty == int(qty) else qty
    return f"{qty}{unit} {name}" if unit else f"{qty} {name}"

for item in scaled:
    print("-", fmt(item))""",
    r"""pantry = {"flour": 1000, "milk": 250, "egg": 6, "sugar": 500, "butter": 20}""",
    r"""shopping = {name: qty - pantry.get(name, 0) for name, qty, _ in scaled if qty > pantry.get(name, 0)}
shopping""",
    r"""PRICES = {"flour": 0.002, "milk": 0.0012, "egg": 0.3, "sugar": 0.003, "butter": 0.012}
cost = sum(PRICES[n] * q for n, q, _ in scaled)
round(cost, 2)""",
    r'''per_serving = cost / SERVINGS
f"{per_serving:.2f} per serving"''',
    r"""title = f"{RECIPE['name'].title()} for {SERVINGS}"
print(title)
print("=" * len(title))
for item in scaled:
    print(fmt(item))""",
    r"""for name, qty in shopping.items():
    pantry[name] = pantry.get(name, 0) + qty
pantry""",
    r"""print(f"buy: {', '.join(f'{q:g} {n}' for n, q in shopping.items()) or 'nothing'}")
print(f"cost {cost:.2f} ({per_serving:.2f} a serving)")""",
]

_ELO = [
    r"""players = ["amy", "bo", "cy", "di", "ed"]
ratings = {p: 1500.0 for p in players}""",
    r"""matches = [
    ("amy", "bo"), ("cy", "di"), ("ed", "amy"), ("bo", "cy"), ("di", "ed"),
    ("amy", "cy"), ("bo", "di"), ("cy", "ed"), ("amy", "di"), ("ed", "bo"),
    ("di", "amy"), ("cy", "bo"),
]""",
    r"""K = 32""",
    r"""def expected(ra, rb):
    return 1 / (1 + 10 ** ((rb - ra) / 400))""",
    r"""def update(ratings, winner, loser):
    ew = expected(ratings[winner], ratings[loser])
    ratings[winner] += K * (1 - ew)
    ratings[loser] -= K * (1 - ew)""",
    r"""for w, l in matches:
    update(ratings, w, l)
{p: round(r) for p, r in ratings.items()}""",
    r"""standings = sorted(ratings, key=ratings.get, reverse=True)
for rank, p in enumerate(standings, 1):
    print(rank, p, round(ratings[p]))""",
    r"""wins = {p: 0 for p in players}
losses = {p: 0 for p in players}
for w, l in matches:
    wins[w] += 1
    losses[l] += 1
{p: f"{wins[p]}-{losses[p]}" for p in players}""",
    r"""h2h = {}
for w, l in matches:
    h2h.setdefault(tuple(sorted((w, l))), []).append(w)
h2h[("amy", "di")]""",
    r"""UPSET_GAP = 30""",
    r"""replay = {p: 1500.0 for p in players}
upsets = []
for w, l in matches:
    if replay[l] - replay[w] > UPSET_GAP:
        upsets.append((w, l))
    update(replay, w, l)
upsets""",
    r"""print(f"leader: {standings[0]} ({ratings[standings[0]]:.0f}); {len(upsets)} upsets of more than {UPSET_GAP} points")""",
]

_CIPHER = [
    r"""import string
from collections import Counter""",
    r'''MESSAGE = "meet me at the old mill at midnight and bring the map and the lantern"''',
    r"""def caesar(text, shift):
    alphabet = string.ascii_lowercase
    table = str.maketrans(alphabet, alphabet[shift:] + alphabet[:shift])
    return text.translate(table)""",
    r"""SHIFT = 3
secret = caesar(MESSAGE, SHIFT)
secret""",
    r"""freq = Counter(ch for ch in secret if ch.isalpha())
freq.most_common(3)""",
    r"""guess_shift = (ord(freq.most_common(1)[0][0]) - ord("e")) % 26
cracked = caesar(secret, -guess_shift)
guess_shift, cracked == MESSAGE""",
    r"""def score(text):
    return sum(text.count(c) for c in "etaoinshr")""",
    r"""brute = sorted(((score(caesar(secret, -s)), s) for s in range(26)), reverse=True)[:3]
brute""",
    r"""def vigenere(text, key):
    out = []
    i = 0
    for ch in text:
        if ch.isalpha():
            out.append(caesar(ch, ord(key[i % len(key)]) - ord("a")))
            i += 1
        else:
            out.append(ch)
    return "".join(out)""",
    r"""KEY = "lamp"
v_secret = vigenere(MESSAGE, KEY)
v_secret[:30]""",
    r"""v_freq = Counter(ch for ch in v_secret if ch.isalpha())
len(v_freq), v_freq.most_common(1)""",
    r"""print(f"caesar: guessed shift {guess_shift}, cracked: {cracked == MESSAGE}")
print(f"vigenere spreads {len(set(MESSAGE) - {' '})} letters over {len(v_freq)}")""",
]

_BUDGET = [
    r"""expenses = [
    ("2024-01-03", "Groceries ", 82.40), ("2024-01-05", "rent", 1200.00),
    ("2024-01-06", "eating out", 34.50), ("2024-01-08", "transport", 2.80),
    ("2024-01-09", "grocery", 45.10), ("2024-01-12", "fun", 60.00),
    ("2024-01-14", "Restaurants", 51.25), ("2024-01-15", "transport", 45.00),
    ("2024-01-17", "groceries", 96.30), ("2024-01-20", "cafe", 4.20),
    ("2024-01-21", "fun", 25.00), ("2024-01-24", "groceries", 71.65),
    ("2024-01-26", "eating out", 42.00), ("2024-01-28", "transport", 3.10),
    ("2024-01-30", "books", 18.99), ("2024-01-31", "cafe", 3.80),
]""",
    r"""CATEGORY_FIX = {"grocery": "groceries", "eating out": "restaurants", "cafe": "restaurants"}""",
    r"""clean = []
for day, cat, amount in expenses:
    cat = cat.strip().lower()
    cat = CATEGORY_FIX.get(cat, cat)
    clean.append((day, cat, amount))
sorted({c for _, c, _ in clean})""",
    r"""totals = {}
for _, cat, amount in clean:
    totals[cat] = totals.get(cat, 0) + amount
{c: round(t, 2) for c, t in totals.items()}""",
    r"""BUDGET = {"groceries": 300, "rent": 1200, "restaurants": 100, "transport": 50, "fun": 60}""",
    r"""over = {c: round(totals.get(c, 0) - b, 2) for c, b in BUDGET.items() if totals.get(c, 0) > b}
over""",
    r"""from datetime import date
weekly = {}
for day, _, amount in clean:
    week = date.fromisoformat(day).isocalendar()[1]
    weekly[week] = round(weekly.get(week, 0) + amount, 2)
weekly""",
    r"""max(weekly, key=weekly.get)""",
    r"""print(f"{'category':12} {'spent':>8} {'budget':>8}")
for c in sorted(totals):
    print(f"{c:12} {totals[c]:8.2f} {BUDGET.get(c, 0):8.2f}")""",
    r"""unbudgeted = sorted(set(totals) - set(BUDGET))
unbudgeted""",
    r"""spent = sum(totals.values())
print(f"spent {spent:.2f} of {sum(BUDGET.values())}; over budget in {', '.join(over) or 'nothing'}")""",
]

_LIBRARY = [
    r"""from datetime import date, timedelta
from collections import Counter, defaultdict""",
    r"""books = [
    {"id": 1, "title": "Dune", "author": "Herbert", "genre": "sf"},
    {"id": 2, "title": "Emma", "author": "Austen", "genre": "classic"},
    {"id": 3, "title": "Ubik", "author": "Dick", "genre": "sf"},
    {"id": 4, "title": "Beloved", "author": "Morrison", "genre": "literary"},
    {"id": 5, "title": "Persuasion", "author": "Austen", "genre": "classic"},
    {"id": 6, "title": "Solaris", "author": "Lem", "genre": "sf"},
    {"id": 7, "title": "Middlemarch", "author": "Eliot", "genre": "classic"},
]
by_id = {b["id"]: b for b in books}
len(books)""",
    r"""members = {"m1": "Ines", "m2": "Tom", "m3": "Yuki", "m4": "Sam"}""",
    r"""loans = [
    ("m1", 1, "2024-02-01", "2024-02-10"), ("m2", 2, "2024-02-03", "2024-02-28"),
    ("m3", 3, "2024-02-05", None), ("m1", 5, "2024-02-11", "2024-02-20"),
    ("m4", 6, "2024-02-12", "2024-03-20"), ("m2", 1, "2024-02-15", "2024-02-22"),
    ("m3", 7, "2024-02-18", None), ("m1", 3, "2024-02-20", "2024-03-01"),
    ("m4", 1, "2024-03-01", "2024-03-05"), ("m2", 6, "2024-03-02", None),
]""",
    r"""TODAY = date(2024, 3, 25)
RULES = {"loan_days": 21, "fine_per_day": 0.25, "max_fine": 5.0}""",
    r"""RULES["fine_per_day"] = 0.20  # new policy from March""",
    r"""def parse(day):
    return date.fromisoformat(day) if day else None""",
    r"""def days_late(start, end):
    due = parse(start) + timedelta(days=RULES["loan_days"])
    returned = parse(end) or TODAY
    return max(0, (returned - due).days)""",
    r"""def fine(start, end):
    return min(RULES["max_fine"], round(days_late(start, end) * RULES["fine_per_day"], 2))""",
    r"""records = [
    {"member": m, "book": by_id[b]["title"], "late": days_late(s, e), "fine": fine(s, e), "open": e is None}
    for m, b, s, e in loans
]
records[:3]""",
    r"""open_loans = [r for r in records if r["open"]]
[(members[r["member"]], r["book"]) for r in open_loans]""",
    r"""fines = defaultdict(float)
for r in records:
    fines[members[r["member"]]] += r["fine"]
dict(fines)""",
    r"""total_fines = round(sum(fines.values()), 2)
total_fines""",
    r"""popular = Counter(by_id[b]["title"] for _, b, _, _ in loans)
popular.most_common(3)""",
    r"""genres = Counter(by_id[b]["genre"] for _, b, _, _ in loans)
genres""",
    r"""authors = Counter(by_id[b]["author"] for _, b, _, _ in loans)
[a for a, n in authors.items() if n > 1]""",
    r"""never_borrowed = sorted(b["title"] for b in books if b["id"] not in {b for _, b, _, _ in loans})
never_borrowed""",
    r"""durations = [(parse(e) - parse(s)).days for _, _, s, e in loans if e]
round(sum(durations) / len(durations), 1), max(durations)""",
    r"""for m, name in members.items():
    mine = [r for r in records if r["member"] == m]
    print(f"{name:5} {len(mine)} loans, {sum(r['open'] for r in mine)} open, fines {fines.get(name, 0):.2f}")""",
    r"""print(f"{len(loans)} loans, {len(open_loans)} still out, fines due {total_fines:.2f}")
print(f"most borrowed: {popular.most_common(1)[0][0]}; favourite genre: {genres.most_common(1)[0][0]}")""",
]

SCENARIOS = [
    rewrite(
        "word-frequency-stopwords",
        "realistic python str set where:cleaning edit:constant",
        _TEXT,
        3,
        '"on", "with"}',
        '"on", "with", "was"}',
    ),
    rewrite(
        "dice-simulation-rolls",
        "realistic python int loop where:top edit:constant",
        _DICE,
        2,
        "N_ROLLS = 600",
        "N_ROLLS = 1200",
    ),
    rewrite(
        "inventory-discount-helper",
        "realistic python dict function-mutates function where:helper edit:mutation",
        _INVENTORY,
        3,
        "    return round(prices[item] * qty, 2)",
        "    total = prices[item] * qty\n    if qty >= 20:\n        total *= 0.9\n    return round(total, 2)",
    ),
    rewrite(
        "gradebook-cutoffs",
        "realistic python dict function where:later-constant edit:constant",
        _GRADES,
        7,
        '(80, "B")',
        '(87, "B")',
    ),
    rewrite(
        "tictactoe-moves",
        "realistic python list nested list-mutation loop where:top edit:constant",
        _TICTACTOE,
        4,
        "(1, 2), (2, 1), (0, 1), (2, 2)",
        "(0, 1), (1, 2), (2, 1), (2, 2)",
    ),
    rewrite(
        "maze-shortcut",
        "realistic python str function generator where:top edit:constant",
        _MAZE,
        1,
        '"#.#####.#",',
        '"#.###.#.#",',
    ),
    rewrite(
        "bank-interest-rate",
        "realistic python method-mutates attribute where:later-constant edit:constant",
        _BANK,
        8,
        "0.02",
        "0.035",
    ),
    rewrite(
        "log-parsing-look",
        "realistic python dict str where:look edit:look",
        _LOGS,
        12,
        "mean_latency",
        "{p: round(v) for p, v in sorted(mean_latency.items())}",
    ),
    rewrite(
        "game-of-life-generations",
        "realistic python set loop redefinition where:section edit:constant",
        _LIFE,
        6,
        "GENERATIONS = 4",
        "GENERATIONS = 8",
    ),
    rewrite(
        "markov-text-sample",
        "realistic python dict function where:section edit:constant",
        _MARKOV,
        10,
        "length=10",
        "length=16",
    ),
    rewrite(
        "queue-service-time",
        "realistic python function loop where:top edit:constant",
        _QUEUE,
        2,
        "SERVICE_MEAN = 2.5",
        "SERVICE_MEAN = 2.0",
    ),
    rewrite(
        "recipe-servings",
        "realistic python dict dict-mutation str where:top edit:constant",
        _RECIPE,
        2,
        "SERVINGS = 6",
        "SERVINGS = 10",
    ),
    rewrite(
        "elo-upset-gap",
        "realistic python dict function-mutates loop where:later-constant edit:constant",
        _ELO,
        10,
        "UPSET_GAP = 30",
        "UPSET_GAP = 10",
    ),
    rewrite(
        "cipher-helper-refactor",
        "realistic python str function where:helper edit:mutation",
        _CIPHER,
        3,
        "    table = str.maketrans(alphabet, alphabet[shift:] + alphabet[:shift])",
        "    shifted = alphabet[shift:] + alphabet[:shift]\n"
        "    table = str.maketrans(alphabet + alphabet.upper(), shifted + shifted.upper())",
    ),
    rewrite(
        "budget-skip-small",
        "realistic python list dict loop where:cleaning edit:add-mutation",
        _BUDGET,
        3,
        "    cat = cat.strip().lower()\n",
        "    if amount < 5:\n        continue\n    cat = cat.strip().lower()\n",
    ),
    rewrite(
        "library-fine-policy",
        "realistic python dict dict-mutation function where:config edit:constant",
        _LIBRARY,
        6,
        'RULES["fine_per_day"] = 0.20',
        'RULES["fine_per_day"] = 0.30',
    ),
]

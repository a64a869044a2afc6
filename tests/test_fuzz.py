"""A seeded protocol fuzz: 10,000+ hostile requests on the shell and control channels of one real kernel.

Every message type the kernel answers (and the comm messages, which get only
statuses) is sent with random and hostile headers, content, metadata, parent
headers and extra buffers: wrong types, missing and unknown fields, lone
surrogates, undecodable frames, lists where strings belong, long text, deep
nesting.  Execute requests run cells from a small pool of ids and snippets, so
that cascades, refusals, deletions, reorderings and aborts happen among them;
interrupts arrive on both channels.

Each message's expected answer follows from what it is: a correctly signed
message whose header is an object naming a string ``msg_type`` gets exactly
one busy and one idle status, and exactly one reply when its channel answers
that type (or it names a subshell that does not exist); anything else (a bad
signature, an undecodable header, a replayed signature, too few frames) gets
nothing.  Afterwards the kernel must be alive and answer a round trip and a
cascade.  ``REACTIVE_FUZZ_SEED`` and ``REACTIVE_FUZZ_REQUESTS`` change the run.
"""

from __future__ import annotations

import json
import os
import random
import time

import pytest
from rawclient import RawClient, dumps

SEED = int(os.environ.get("REACTIVE_FUZZ_SEED", "20240613"))
REQUESTS = int(os.environ.get("REACTIVE_FUZZ_REQUESTS", "10000"))
WINDOW = 24  # messages in flight
#: Comm messages get no reply, and no statuses either when ipykernel handles them while a request runs.
COMM = 2
STALL = 30.0  # seconds without any answer before the run stops and reports what is missing

SHELL_TYPES = [
    "execute_request",
    "complete_request",
    "inspect_request",
    "history_request",
    "comm_info_request",
    "kernel_info_request",
    "connect_request",
    "shutdown_request",
    "is_complete_request",
    "interrupt_request",
    "register_cell_request",
    "unregister_cell_request",
    "comm_open",
    "comm_msg",
    "comm_close",
]
CONTROL_TYPES = [
    "kernel_info_request",
    "interrupt_request",
    "shutdown_request",
    "usage_request",
    "debug_request",
    "list_subshell_request",
    "delete_subshell_request",
    "complete_request",
    "is_complete_request",
    "execute_request",
    "history_request",
    "comm_info_request",
    "connect_request",
    "inspect_request",
]
CELLS = [f"fz-{i}" for i in range(8)]
SNIPPETS = [
    "fz_a = {r}",
    "fz_b = fz_a + {r}",
    "fz_c = [fz_b] * 2",
    "print(fz_c)",
    "fz_d = fz_a * fz_b",
    "fz_l = []",
    "fz_l.append({r})",
    "len(fz_l)",
    "1 / 0",
    "fz_a = fz_d + 1",
    "del fz_b",
    "def fz_f(x):\n    return x + fz_a",
    "fz_e = fz_f({r})",
    "%reactive status",
    "x = (",
    "import math\nfz_m = math.sqrt(abs(fz_a))",
    "display(fz_a)",
    "fz_s = 'x' * {r}",
    "fz_a",
    "",
    "for _i in range(3):\n    print(_i, fz_a)",
    "raise ValueError('\\u00e9 {r}')",
    "fz_t = '\\ud800'",
    "fz_u = '\u00e9\u4e2d\U0001f600'",
    "import time\ntime.sleep(0.01)",
    "fz_t",
    "print(fz_t)",
]
JUNK_VALUES = [
    None,
    True,
    0,
    -1,
    2**63,
    1.5,
    "",
    "x",
    "\ud800",
    "\udcff tail",
    ["a", 1],
    {"a": [1, {"b": None}]},
    "ü" * 300,
    10**30,
    [],
    {},
]
# shutdown requests are only sent malformed: a well-formed one would end the run
VALID = {
    "complete_request": lambda r, code: {"code": code, "cursor_pos": r.randint(0, len(code))},
    "inspect_request": lambda r, code: {
        "code": code,
        "cursor_pos": r.randint(0, len(code)),
        "detail_level": r.choice([0, 1]),
    },
    "history_request": lambda r, code: {
        "hist_access_type": r.choice(["tail", "range", "search"]),
        "output": r.random() < 0.5,
        "raw": r.random() < 0.5,
        "n": r.randint(0, 5),
        "pattern": r.choice(["fz*", "*"]),
        "session": 0,
        "start": 0,
        "stop": r.randint(0, 9),
        "unique": r.random() < 0.5,
    },
    "is_complete_request": lambda r, code: {"code": code},
    "comm_info_request": lambda r, code: r.choice([{}, {"target_name": "jupyter.widget"}]),
    "kernel_info_request": lambda r, code: {},
    "connect_request": lambda r, code: {},
    "interrupt_request": lambda r, code: {},
    "usage_request": lambda r, code: {},
    "list_subshell_request": lambda r, code: {},
    "delete_subshell_request": lambda r, code: {"subshell_id": "no-such-subshell"},
    "debug_request": lambda r, code: {"type": "request", "seq": r.randint(1, 9), "command": "nonsense"},
    "register_cell_request": lambda r, code: {"cell_id": r.choice(CELLS), "code": code},
    "unregister_cell_request": lambda r, code: {"cell_id": r.choice(CELLS + ["fz-unknown"])},
    "comm_open": lambda r, code: {"comm_id": f"c{r.randint(0, 3)}", "target_name": "nowhere", "data": {}},
    "comm_msg": lambda r, code: {"comm_id": f"c{r.randint(0, 3)}", "data": {"x": 1}},
    "comm_close": lambda r, code: {"comm_id": f"c{r.randint(0, 3)}", "data": {}},
    "shutdown_request": lambda r, code: {"restart": r.choice(["yes", 1, None, [True]])},
}


class Fuzzer:
    """Builds one hostile message at a time from a seeded generator, and says what it should get back."""

    def __init__(self, raw: RawClient, seed: int) -> None:
        self.raw = raw
        self.r = random.Random(seed)
        self.expected: dict[str, int | None] = {}  # x_seq -> replies expected (None: nothing at all)
        self.replays: list[tuple[str, list[bytes], bytes]] = []
        self.described: dict[str, str] = {}

    def code(self) -> str:
        r = self.r
        if r.random() < 0.1:
            alphabet = "abc xyz()[]{}:=+-*/'\"\n\t\\#%!@é中\U0001f600\ud800"
            return "".join(r.choice(alphabet) for _ in range(r.randint(0, 60)))
        if r.random() < 0.02:
            return "fz_long = 0\n" + "fz_long += 1\n" * r.randint(100, 2000)
        return r.choice(SNIPPETS).format(r=r.randint(0, 99))

    def junk(self, depth: int = 0):
        r = self.r
        if depth < 3 and r.random() < 0.3:
            return {f"k{i}": self.junk(depth + 1) for i in range(r.randint(0, 3))}
        if depth < 3 and r.random() < 0.2:
            return [self.junk(depth + 1) for _ in range(r.randint(0, 3))]
        return r.choice(JUNK_VALUES)

    def content(self, msg_type: str):
        r = self.r
        if msg_type == "execute_request":
            body = {
                "code": self.code(),
                "silent": r.random() < 0.05,
                "store_history": r.random() < 0.8,
                "user_expressions": r.choice([{}, {"v": "fz_a"}, {"w": "1/0"}, {"z": "\ud800"}]),
                "allow_stdin": r.random() < 0.5,
                "stop_on_error": r.random() < 0.7,
            }
        else:
            body = VALID[msg_type](r, self.code())
        roll = r.random()
        if roll < 0.55:
            return body
        if roll < 0.75 and body:  # one field ill-typed
            key = r.choice(sorted(body))
            return {**body, key: self.junk()}
        if roll < 0.85 and body:  # one field missing, one unknown field
            key = r.choice(sorted(body))
            return {**{k: v for k, v in body.items() if k != key}, "x_unknown": self.junk()}
        return self.junk()

    def metadata(self, msg_type: str):
        r = self.r
        roll = r.random()
        if msg_type != "execute_request" or roll < 0.1:
            return r.choice([{}, {}, {}, self.junk()])
        meta: dict = {}
        if roll < 0.8:
            meta["cellId"] = r.choice(CELLS)
        elif roll < 0.9:
            meta["cellId"] = r.choice([self.junk(), "c" * r.choice([999, 1000, 1001, 50_000]), "id\ud800"])
        if r.random() < 0.3:
            meta["deletedCells"] = r.choice([[], [r.choice(CELLS)], self.junk()])
        if r.random() < 0.2:
            meta["cellOrder"] = r.choice([r.sample(CELLS, len(CELLS)), self.junk()])
        return meta

    def header(self, msg_type: str) -> dict:
        r = self.r
        header = self.raw.header(msg_type)
        roll = r.random()
        if roll < 0.12:
            name = r.choice(["msg_id", "session", "username", "date", "version", "msg_type", "subshell_id", "extra"])
            header[name] = self.junk()
        elif roll < 0.15:
            del header[r.choice(["msg_id", "session", "username", "date", "version", "msg_type"])]
        elif roll < 0.17:
            header["subshell_id"] = "no-such-subshell"
        if isinstance(header.get("subshell_id"), str) and header["subshell_id"] != "no-such-subshell":
            header["subshell_id"] = [header["subshell_id"]]
        return header

    def send_one(self) -> None:
        r, raw = self.r, self.raw
        channel = "control" if r.random() < 0.2 else "shell"
        pool = CONTROL_TYPES if channel == "control" else SHELL_TYPES
        msg_type = r.choice(pool) if r.random() < 0.97 else r.choice(["foo_request", "", "status", "x" * 500])
        header = self.header(msg_type)
        content, metadata = (
            self.content(msg_type if msg_type in VALID or msg_type == "execute_request" else "kernel_info_request"),
            self.metadata(msg_type),
        )
        if header.get("subshell_id") == "no-such-subshell":  # nothing else wrong: ipykernel's router answers it
            content, metadata = VALID.get(msg_type, VALID["kernel_info_request"])(r, "x"), {}
        if (
            header.get("msg_type") == "shutdown_request"
            and isinstance(content, dict)
            and isinstance(content.get("restart"), bool)
        ):
            content["restart"] = "no"  # a well-formed shutdown would end the run
        parent = r.choice([{}, {}, self.junk()]) if "subshell_id" not in header else {}
        buffers = tuple(os.urandom(r.randint(0, 64)) for _ in range(r.choice([0, 0, 0, 1, 3])))
        frames = [dumps(header), dumps(parent), dumps(metadata), dumps(content)]
        roll = r.random() if "subshell_id" not in header else 1.0
        signature = None
        if roll < 0.03:
            frames[r.randint(0, 3)] = r.choice([b"\xff\xfe{", b'{"a": ', b"[" * 100_000 + b"]" * 100_000])
        elif roll < 0.04:
            signature = b"f" * 64
        elif roll < 0.045:
            frames = frames[: r.randint(0, 3)]
        elif roll < 0.05 and self.replays:
            seq, old_frames, old_signature = r.choice(self.replays)
            raw.send(channel, b"", frames=old_frames, signature=old_signature)
            return
        seq = header["x_seq"]
        raw.send(channel, header, frames=frames, buffers=buffers, signature=signature)
        # (ipykernel's router answers a message for a subshell that does not exist without recording its
        # signature, so a replay of one is answered again: such messages are not replayed here)
        if signature is None and len(frames) == 4 and "subshell_id" not in header and r.random() < 0.01:
            self.replays.append((seq, frames, raw.sign(frames[:4])))
        self.expected[seq] = self.expect(channel, header, frames, signature)
        self.described[seq] = f"{channel} {b'|'.join(frames)[:300]!r}"

    def expect(self, channel: str, header: dict, frames: list[bytes], signature: bytes | None) -> int | None:
        """Replies the message should get (0 or 1), or None when it should get nothing at all."""
        if signature is not None or len(frames) < 4:
            return None
        try:
            decoded = json.loads(frames[0])
        except (ValueError, RecursionError):
            return None
        msg_type = decoded.get("msg_type") if isinstance(decoded, dict) else None
        if not isinstance(decoded, dict) or "msg_type" not in decoded:
            return None
        subshell = decoded.get("subshell_id")
        if channel == "shell" and isinstance(subshell, str) and _text(subshell):
            return 1  # ipykernel's router answers any message for a subshell that does not exist
        if channel == "shell" and msg_type in ("comm_open", "comm_msg", "comm_close"):
            return COMM
        answered = SHELL_TYPES if channel == "shell" else CONTROL_TYPES
        return int(isinstance(msg_type, str) and msg_type in answered and msg_type.endswith("_request"))


def _text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def test_protocol_fuzz(kernel):
    raw = RawClient(kernel.km.get_connection_info())
    fuzzer = Fuzzer(raw, SEED)
    started = time.monotonic()
    try:
        sent = 0
        waiting: list[str] = []
        progress = time.monotonic()
        while sent < REQUESTS:
            waiting = [seq for seq in waiting if not raw.answers[seq].idle]
            if len(waiting) >= WINDOW:
                if raw.pump(0.02):
                    progress = time.monotonic()
                elif time.monotonic() - progress > STALL:
                    break  # the messages still waiting are reported below
                continue
            before = len(fuzzer.expected)
            fuzzer.send_one()
            sent += 1
            if len(fuzzer.expected) > before:
                seq, want = next(reversed(fuzzer.expected.items()))
                if want in (0, 1):
                    waiting.append(seq)
            if sent % 200 == 0:
                raw.pump(0)
        raw.quiet(3.0, 300.0)
        elapsed = time.monotonic() - started

        wrong = []
        replies = pairs = concurrent = 0
        for seq, want in fuzzer.expected.items():
            got = raw.answers.get(seq)
            counts = (len(got.replies), got.busy, got.idle) if got else (0, 0, 0)
            replies += counts[0]
            pairs += min(counts[1], counts[2])
            expected = (0, 0, 0) if want is None else (0 if want == COMM else want, 1, 1)
            if want == COMM and counts in ((0, 1, 1), (0, 0, 0)):
                concurrent += counts == (0, 0, 0)
                continue
            if counts != expected:
                wrong.append((seq, expected, counts, fuzzer.described.get(seq)))
        print(
            f"\nfuzz seed {SEED}: {sent} messages in {elapsed:.0f} s; expected answers for "
            f"{sum(w is not None for w in fuzzer.expected.values())}, replies {replies}, busy/idle pairs {pairs}, "
            f"comm messages handled during a request {concurrent}, unmatched {len(raw.unmatched)}, not UTF-8 JSON {len(raw.undecodable)}, wrong {len(wrong)}, kernel alive {kernel.km.is_alive()}"
        )
        assert not wrong, "\n".join(map(str, wrong[:40]))
        stray = [m for m in raw.unmatched if m["channel"] != "iopub"]
        assert not stray, stray[:3]
        assert not raw.undecodable, raw.undecodable[:3]
    finally:
        raw.close()

    assert kernel.km.is_alive()
    kernel.drain()  # this client did not read iopub during the run: what it holds is old
    assert kernel.execute("1 + 1").content["status"] == "ok"
    kernel.execute("fz_x = 1", "fz-after-1")
    kernel.execute("fz_y = fz_x + 1", "fz-after-2")
    kernel.execute("fz_z = fz_y * 10", "fz-after-3")
    res = kernel.execute("fz_x = 5", "fz-after-1")
    assert [c["cell_id"] for c in res.reactive["cascade"] if c["status"] == "ok"] == ["fz-after-2", "fz-after-3"]
    assert kernel.value("fz_z") == "60"


@pytest.fixture(scope="module")
def kernel():
    from support import KernelDriver

    driver = KernelDriver()
    yield driver
    driver.shutdown()

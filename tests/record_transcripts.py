"""Record the message transcripts the collector's unit tests replay (tests/transcripts/*.json).

Each scenario runs on a fresh ``reactive-python`` kernel driven by a plain
jupyter_client client (not by the code under test).  For every request the
transcript keeps the request, its reply (None when the kernel died first) and
every iopub message that arrived from sending it until its reply and idle
status (or the kernel's death).  Re-record after a change of the wire format:

    python tests/record_transcripts.py            # every scenario
    python tests/record_transcripts.py chain      # one
"""

from __future__ import annotations

import json
import queue
import sys
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import start_new_kernel

import reactive_kernel

HERE = Path(__file__).resolve().parent / "transcripts"

EXECUTE = {"silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": False}


def execute(cell_id: str, code: str, **extra: Any) -> dict:
    return {"msg_type": "execute_request", "cell_id": cell_id, "content": {"code": code, **EXECUTE}, **extra}


def register(cell_id: str, code: str) -> dict:
    return {"msg_type": "register_cell_request", "cell_id": cell_id, "content": {"cell_id": cell_id, "code": code}}


def unregister(cell_id: str) -> dict:
    return {"msg_type": "unregister_cell_request", "cell_id": cell_id, "content": {"cell_id": cell_id}}


SCENARIOS: dict[str, tuple[str, list[dict]]] = {
    "chain": (
        "a root and two registered dependents: their outputs come under the root's request after headings",
        [
            register("b", "y = x + 1\nprint('b', y)"),
            register("c", "z = y * 10\nz"),
            execute("a", "x = 1\nprint('a', x)"),
        ],
    ),
    "own_requests": (
        "a dependent run before gets its outputs under its own earlier request",
        [
            execute("a", "x = 1"),
            execute("b", "y = x + 1\nprint('b', y)"),
            register("c", "print('c', y * 2)"),
            execute("a", "x = 5"),
        ],
    ),
    "error_skips": (
        "the root raises: its descendants are skipped with notices",
        [
            register("b", "y = x * 2"),
            register("c", "z = y + 1"),
            execute("a", "x = 1 / 0"),
        ],
    ),
    "unregister": (
        "unregistering the root re-runs its dependent, which then raises",
        [
            execute("a", "x = 1"),
            execute("b", "y = x + 1"),
            unregister("a"),
        ],
    ),
    "refused": (
        "re-running the root with code that closes a cycle is refused",
        [
            register("a", "x = 1"),
            register("b", "y = x + 1"),
            execute("a", "x = y"),
        ],
    ),
    "displays": (
        "display updates in place, clear_output(wait=True), a result and stderr",
        [
            execute(
                "a",
                "from IPython.display import display\nh = display('first', display_id=True)\nh.update('second')\nx = 2",
            ),
            register(
                "b",
                "import sys\nfrom IPython.display import clear_output\nprint('old')\n"
                "clear_output(wait=True)\nprint('new', x)\nprint('warn', file=sys.stderr)\nx * 21",
            ),
            execute(
                "a",
                "from IPython.display import display\nh = display('first', display_id=True)\nh.update('second')\nx = 3",
            ),
        ],
    ),
    "progress": (
        "a cascade that runs long enough for the progress line",
        [
            register("b", "__import__('time').sleep(0.4)\nx2 = x + 1"),
            register("c", "__import__('time').sleep(0.4)\nx3 = x2 + 1"),
            register("d", "__import__('time').sleep(0.4)\nx4 = x3 + 1"),
            register("e", "__import__('time').sleep(0.4)\nx5 = x4 + 1"),
            register("f", "print('f', x5)"),
            execute("a", "x = 1"),
        ],
    ),
    "interrupt": (
        "the root is interrupted while it sleeps: its dependent is skipped",
        [
            register("b", "print('b ran', x)"),
            execute("a", "import time\nx = 1\nprint('started', flush=True)\ntime.sleep(30)", interrupt_after="started"),
        ],
    ),
    "crash": (
        "the executed cell kills the kernel after printing",
        [
            execute("a", "x = 1"),
            execute("boom", "import os\nprint('going', flush=True)\nos._exit(3)", dies=True),
        ],
    ),
    "crash_in_cascade": (
        "a dependent kills the kernel during the root's cascade",
        [
            register("b", "y = x + 1\nprint('b', y)"),
            register("c", "import os, time\nprint('c dies', y, flush=True)\ntime.sleep(0.5)\nos._exit(4)"),
            execute("a", "x = 1", dies=True),
        ],
    ),
}


def plain(value: Any) -> Any:
    """A JSON-ready copy of a message (dates as ISO strings, binary buffers dropped)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if k != "buffers"}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def record_step(km: Any, kc: Any, step: dict) -> dict:
    metadata = {"cellId": step["cell_id"]} if step["msg_type"] == "execute_request" else {}
    msg = kc.session.msg(step["msg_type"], step["content"], metadata=metadata)
    msg_id = msg["header"]["msg_id"]
    kc.shell_channel.send(msg)
    iopub: list[dict] = []
    reply = None
    idle = False
    interrupted = False
    deadline = time.monotonic() + 60
    while not (reply is not None and idle) and time.monotonic() < deadline:
        if step.get("dies") and not km.is_alive():
            break
        try:
            message = kc.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            message = None
        if message is not None:
            iopub.append(message)
            content = message["content"]
            parent = message["parent_header"].get("msg_id")
            if message["msg_type"] == "status" and parent == msg_id and content.get("execution_state") == "idle":
                idle = True
            if (
                step.get("interrupt_after")
                and not interrupted
                and message["msg_type"] == "stream"
                and step["interrupt_after"] in content.get("text", "")
            ):
                km.interrupt_kernel()
                interrupted = True
        try:
            candidate = kc.get_shell_msg(timeout=0.001)
        except queue.Empty:
            candidate = None
        if candidate is not None and candidate["parent_header"].get("msg_id") == msg_id:
            reply = candidate
    exit_code = None
    if step.get("dies"):
        deadline = time.monotonic() + 30
        while km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        exit_code = km.provisioner.process.poll() if km.provisioner and km.provisioner.process else None
        while True:
            try:
                iopub.append(kc.get_iopub_msg(timeout=0.3))
            except queue.Empty:
                break
    elif reply is None or not idle:
        raise RuntimeError(f"no reply or idle for {step['msg_type']} of {step['cell_id']}")
    elif step["msg_type"] == "register_cell_request" and reply["content"]["status"] != "ok":
        raise RuntimeError(f"cell {step['cell_id']} was refused: {reply['content'].get('evalue')}")
    request = {
        "msg_type": step["msg_type"],
        "msg_id": msg_id,
        "cell_id": step["cell_id"],
        "content": step["content"],
        "metadata": metadata,
    }
    return plain({"request": request, "reply": reply, "iopub": iopub, "exit_code": exit_code})


def record(name: str) -> Path:
    description, steps = SCENARIOS[name]
    km, kc = start_new_kernel(kernel_name="reactive-python", startup_timeout=60)
    try:
        while True:
            try:
                kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                break
        recorded = [record_step(km, kc, step) for step in steps]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    HERE.mkdir(exist_ok=True)
    path = HERE / f"{name}.json"
    data = {
        "scenario": name,
        "description": description,
        "reactive_kernel": reactive_kernel.__version__,
        "steps": recorded,
    }
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return path


def main(names: list[str]) -> None:
    for name in names or list(SCENARIOS):
        print(record(name))


if __name__ == "__main__":
    main(sys.argv[1:])

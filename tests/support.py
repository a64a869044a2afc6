"""A thin jupyter_client driver for tests: send requests with cell ids, collect iopub."""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.manager import start_new_kernel

KERNEL = "reactive-python"


@dataclass
class Result:
    """A request's reply and every iopub message seen until its idle."""

    reply: dict
    messages: list[dict] = field(default_factory=list)

    @property
    def content(self) -> dict:
        return self.reply["content"]

    @property
    def reactive(self) -> dict:
        return self.reply["metadata"].get("reactive", {})

    def under(self, msg_id: str) -> list[dict]:
        """Messages published under the request ``msg_id``."""
        return [m for m in self.messages if m["parent_header"].get("msg_id") == msg_id]

    def stdout(self, msg_id: str | None = None) -> str:
        msgs = self.messages if msg_id is None else self.under(msg_id)
        return "".join(
            m["content"]["text"] for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == "stdout"
        )

    def types(self, msg_id: str) -> list[str]:
        return [m["msg_type"] for m in self.under(msg_id)]


class KernelDriver:
    """A real kernel process and a blocking client."""

    def __init__(self, kernel_name: str = KERNEL, **kwargs: Any) -> None:
        self.km, self.kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=60, **kwargs)
        self.last_ids: dict[str, str] = {}

    def shutdown(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def send(self, msg_type: str, content: dict, metadata: dict | None = None) -> dict:
        msg = self.kc.session.msg(msg_type, content, metadata=metadata or {})
        self.kc.shell_channel.send(msg)
        return msg

    def execute_msg(
        self,
        code: str,
        cell_id: str | None = None,
        deleted: list | None = None,
        cell_order: list | None = None,
        **content: Any,
    ) -> dict:
        body = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        body.update(content)
        metadata: dict[str, Any] = {}
        if cell_id is not None:
            metadata["cellId"] = cell_id
        if deleted is not None:
            metadata["deletedCells"] = deleted
        if cell_order is not None:
            metadata["cellOrder"] = cell_order
        msg = self.send("execute_request", body, metadata)
        if cell_id is not None:
            self.last_ids[cell_id] = msg["header"]["msg_id"]
        return msg

    def wait(self, msg: dict, timeout: float = 60) -> Result:
        """Collect iopub until ``msg``'s idle and its shell reply."""
        msg_id = msg["header"]["msg_id"]
        deadline = time.monotonic() + timeout
        messages: list[dict] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no idle for {msg['header']['msg_type']} {msg_id}")
            try:
                m = self.kc.get_iopub_msg(timeout=left)
            except queue.Empty:
                continue
            messages.append(m)
            if (
                m["msg_type"] == "status"
                and m["content"]["execution_state"] == "idle"
                and m["parent_header"].get("msg_id") == msg_id
            ):
                break
        while True:
            reply = self.kc.get_shell_msg(timeout=max(1.0, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                return Result(reply, messages)

    def execute(self, code: str, cell_id: str | None = None, **kw: Any) -> Result:
        timeout = kw.pop("timeout", 60)
        return self.wait(self.execute_msg(code, cell_id, **kw), timeout)

    def request(self, msg_type: str, timeout: float = 60, **content: Any) -> Result:
        return self.wait(self.send(msg_type, content), timeout)

    def register(self, cell_id: str, code: str) -> dict:
        return self.request("register_cell_request", cell_id=cell_id, code=code).content

    def unregister(self, cell_id: str) -> Result:
        return self.request("unregister_cell_request", cell_id=cell_id)

    def value(self, expr: str) -> str:
        """repr of ``expr`` evaluated silently in the kernel (no registration)."""
        res = self.execute("", silent=True, store_history=False, user_expressions={"v": expr})
        out = res.content["user_expressions"]["v"]
        if out["status"] != "ok":
            return f"<{out['ename']}>"
        return out["data"]["text/plain"]

    def drain(self) -> None:
        while True:
            try:
                self.kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                return


def by_id(nb) -> dict:
    """A notebook's code cells by their nbformat id."""
    return {cell["id"]: cell for cell in nb.cells if cell.cell_type == "code"}

"""A client that sends any message, signed, on a kernel's shell or control socket, and sorts what comes back.

jupyter_client's channels build well-formed messages; checking how the kernel
answers hostile ones needs a header with a list in it, content that is not
JSON, a lone surrogate, frames in the wrong number.  Every message sent here
carries a string header field ``x_seq``; the kernel echoes the header as each
answer's ``parent_header``, so replies and statuses are counted per message
whatever its ``msg_id`` holds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import zmq


def dumps(obj: Any) -> bytes:
    """JSON with ``\\u`` escapes, so that text holding lone surrogates can be sent."""
    return json.dumps(obj, ensure_ascii=True, allow_nan=False).encode("ascii")


@dataclass
class Answers:
    """What one message got: replies (shell or control), busy and idle statuses."""

    replies: list[dict] = field(default_factory=list)
    busy: int = 0
    idle: int = 0
    outputs: list[dict] = field(default_factory=list)


class RawClient:
    """Sockets of its own to a running kernel (from its connection info), a key, and a tally per message."""

    def __init__(self, connection: dict, session_id: str | None = None) -> None:
        self.ctx = zmq.Context()
        self.key = connection["key"].encode() if isinstance(connection["key"], str) else connection["key"]
        self.session_id = session_id or uuid.uuid4().hex
        ip, transport = connection["ip"], connection.get("transport", "tcp")

        def url(port: int) -> str:
            return f"{transport}://{ip}:{port}"

        self.sockets = {}
        for name in ("shell", "control"):
            sock = self.ctx.socket(zmq.DEALER)
            sock.setsockopt(zmq.LINGER, 0)
            sock.setsockopt(zmq.IDENTITY, f"{name}-{self.session_id}".encode())
            sock.connect(url(connection[f"{name}_port"]))
            self.sockets[name] = sock
        iopub = self.ctx.socket(zmq.SUB)
        iopub.setsockopt(zmq.LINGER, 0)
        iopub.setsockopt(zmq.SUBSCRIBE, b"")
        iopub.connect(url(connection["iopub_port"]))
        self.sockets["iopub"] = iopub
        self.poller = zmq.Poller()
        for sock in self.sockets.values():
            self.poller.register(sock, zmq.POLLIN)
        self.answers: dict[str, Answers] = defaultdict(Answers)
        self.unmatched: list[dict] = []
        self.undecodable: list[list[bytes]] = []  # messages from the kernel that are not UTF-8 JSON
        self._seq = 0
        self._subscribed()

    def _subscribed(self, timeout: float = 30.0) -> None:
        """Wait until iopub delivers (a subscriber misses what is published before it is connected)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            seq = self.send("shell", self.header("kernel_info_request"), {})
            self.pump(0.2)
            if self.answers[seq].busy or self.answers[seq].idle:
                self.quiet(0.2, 5.0)
                self.answers.clear()
                return
        raise TimeoutError("no iopub messages from the kernel")

    def close(self) -> None:
        for sock in self.sockets.values():
            sock.close(0)
        self.ctx.term()

    # -- sending ---------------------------------------------------------------------
    def header(self, msg_type: Any, **fields: Any) -> dict:
        """A well-formed header with a fresh ``x_seq``; ``fields`` replace or add fields."""
        self._seq += 1
        header = {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "session": self.session_id,
            "username": "fuzz",
            "date": datetime.now(timezone.utc).isoformat(),
            "version": "5.3",
            "x_seq": f"s{self._seq}",
        }
        header.update(fields)
        return header

    def sign(self, parts: list[bytes]) -> bytes:
        mac = hmac.new(self.key, digestmod=hashlib.sha256)
        for part in parts:
            mac.update(part)
        return mac.hexdigest().encode()

    def send(
        self,
        channel: str,
        header: dict | bytes,
        content: Any = None,
        metadata: Any = None,
        parent: Any = None,
        buffers: tuple[bytes, ...] = (),
        raw_content: bytes | None = None,
        signature: bytes | None = None,
        frames: list[bytes] | None = None,
    ) -> str | None:
        """Send one message; returns its ``x_seq`` (None for a header given as bytes)."""
        if frames is None:
            head = header if isinstance(header, bytes) else dumps(header)
            body = raw_content if raw_content is not None else dumps({} if content is None else content)
            frames = [head, dumps({} if parent is None else parent), dumps({} if metadata is None else metadata), body]
        sig = self.sign(frames[:4]) if signature is None else signature
        self.sockets[channel].send_multipart([b"<IDS|MSG>", sig, *frames, *buffers])
        return header.get("x_seq") if isinstance(header, dict) else None

    # -- receiving -------------------------------------------------------------------
    def pump(self, timeout: float) -> int:
        """Read whatever arrives within ``timeout`` seconds (until a quiet poll); returns how many messages."""
        count = 0
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            events = dict(self.poller.poll(max(0, int(left * 1000))))
            if not events:
                return count
            for name, sock in self.sockets.items():
                while sock in events:
                    try:
                        parts = sock.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    self._sort(name, parts)
                    count += 1
            if time.monotonic() >= deadline:
                return count

    def quiet(self, seconds: float, limit: float = 120.0) -> None:
        """Read until nothing has arrived for ``seconds`` (at most ``limit`` seconds in all)."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if self.pump(seconds) == 0:
                return

    def wait_for(self, seq: str, timeout: float = 30.0) -> Answers:
        """Read until message ``seq`` has its idle and, if it has one, its reply, then a short quiet spell."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            answers = self.answers.get(seq)
            if answers is not None and answers.idle:
                break
            self.pump(0.05)
        self.quiet(0.2, 5.0)
        return self.answers[seq]

    def _sort(self, channel: str, parts: list[bytes]) -> None:
        split = parts.index(b"<IDS|MSG>")
        try:
            header, parent, metadata, content = (json.loads(p.decode("utf-8")) for p in parts[split + 2 : split + 6])
        except ValueError:
            self.undecodable.append(parts)
            return
        msg = {
            "channel": channel,
            "header": header,
            "parent_header": parent,
            "metadata": metadata,
            "content": content,
            "msg_type": header.get("msg_type"),
        }
        seq = parent.get("x_seq") if isinstance(parent, dict) else None
        if seq is None:
            self.unmatched.append(msg)
            return
        answers = self.answers[seq]
        if channel in ("shell", "control"):
            answers.replies.append(msg)
        elif msg["msg_type"] == "status":
            state = content.get("execution_state")
            answers.busy += state == "busy"
            answers.idle += state == "idle"
        else:
            answers.outputs.append(msg)

"""The kernel's session and shell sockets under hostile or heavy traffic.

- **Text that cannot be encoded.**  A reply echoes its request's header, and
  outputs and reports echo what cells and clients gave; a string there may
  hold a lone surrogate (valid in JSON as ``"\\ud800"``).  jupyter_client's
  JSON packer encodes with ``surrogateescape``, which raises on most of them
  (so the reply, and the busy and idle statuses, would never be sent) and
  turns the rest into bytes that are not UTF-8.  ``pack`` sends ASCII JSON with
  ``\\u`` escapes instead, which every JSON reader turns back into the same string.
- **A client that sends without reading.**  ipykernel's shell-channel thread
  forwards each request to the main thread over an in-process socket pair,
  and the main thread hands each reply back over another.  Both pairs hold
  about 2,000 messages; a client that sends some 5,000 requests without
  reading replies fills both, and then each thread waits on the other for
  good.  ``unblock_shell`` lifts the limit on the forward pair (the
  shell-channel thread then never waits, so it keeps taking replies) and on
  the shell socket's outgoing queue (replies to a client that is not reading
  are kept until it reads, instead of being dropped).
- **Requests ipykernel's router drops.**  The shell-channel thread reads the
  header (``version`` must parse, ``msg_id`` and ``msg_type`` must be there),
  the parent header and the metadata,
  looks up ``header.subshell_id`` and, for comm messages, ``content.comm_id``
  in dictionaries; anything else raises, and the request is dropped without a
  reply or a status.  ``misrouted`` spots them so that the kernel hands them to
  the main shell, which answers them.
"""

from __future__ import annotations

import json
from typing import Any

import zmq
from jupyter_client.jsonutil import json_default
from jupyter_client.session import Session, json_packer

from .requests import header_problem

__all__ = ["misrouted", "pack", "take_arrivals", "unblock_shell", "use_pack"]


def pack(obj: Any) -> bytes:
    """Strict UTF-8 JSON; ASCII JSON with ``\\u`` escapes for text UTF-8 cannot encode (lone surrogates).

    Values JSON cannot hold go through jupyter_client's own packer, which cleans them.
    """
    try:
        text = json.dumps(obj, default=json_default, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return json_packer(obj)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj, default=json_default, ensure_ascii=True, allow_nan=False).encode("ascii")


def use_pack(session: Session) -> None:
    """Make ``session`` send with ``pack`` (when it uses the default JSON packer)."""
    if session.pack is json_packer:
        session.pack = pack


def unblock_shell(kernel: Any) -> None:
    """Lift the queue limits that let a client that does not read replies deadlock the shell (see above)."""
    thread = getattr(kernel, "shell_channel_thread", None)
    if thread is None:
        return
    pair = thread.manager.get_shell_channel_to_subshell_pair(None)
    pair.to_socket.setsockopt(zmq.RCVHWM, 0)  # read by this (the main) thread

    def on_shell_channel_thread() -> None:
        pair.from_socket.setsockopt(zmq.SNDHWM, 0)
        kernel.shell_stream.socket.setsockopt(zmq.SNDHWM, 0)

    thread.io_loop.add_callback(on_shell_channel_thread)


def take_arrivals(kernel: Any) -> None:
    """Hand every request already forwarded to the main thread to ipykernel's shell handler now.

    ipykernel reads them in its event loop; a cascade that runs between two
    turns of the loop calls this so that requests that already reached the
    kernel are seen waiting (their handler tasks start within two turns).
    """
    thread = getattr(kernel, "shell_channel_thread", None)
    if thread is not None:
        stream = thread.manager.get_shell_channel_to_subshell_pair(None).to_stream
        if stream is not None and not stream.closed():
            stream.flush(zmq.POLLIN)


def raw(frame: bytes | zmq.Frame) -> bytes:
    """A message frame's bytes (frames received without copying are ``zmq.Frame``)."""
    return frame.bytes if isinstance(frame, zmq.Frame) else bytes(frame)


def misrouted(session: Session, msg: list) -> bool:
    """Whether ipykernel's shell-channel router would drop this message unanswered (unverified; a hint)."""
    try:
        _, frames = session.feed_identities(msg, copy=False)
        header = session.unpack(raw(frames[1]))
        if not isinstance(header, dict):
            return False
        if header_problem(header) is not None:
            return True
        try:
            session.unpack(raw(frames[2]))
            session.unpack(raw(frames[3]))
        except Exception:
            return True
        if header.get("msg_type") in ("comm_msg", "comm_close"):
            try:
                content = session.unpack(raw(frames[4]))
            except Exception:
                return True
            return not isinstance(content, dict) or not isinstance(content.get("comm_id"), (str, type(None)))
    except Exception:
        return False
    return False

"""What a request must look like before the kernel acts on it: its header, its content's fields, its text.

ipykernel trusts a signed request.  Its output streams key their buffers by
the items of the current request's header, so a list or a dict there (say
``header.session``) raises in whichever thread writes output next: in the
thread that forwards file-descriptor output, that thread dies, and the pipe
behind ``stderr`` fills up and blocks the kernel for good.  Its handlers read
content fields without checking them, so ``{"code": 5}`` raises in a
``complete_request`` handler and the client never gets a reply.  And text
holding a lone surrogate (valid in JSON, ``"\\ud800"``) cannot be encoded to
UTF-8, so it breaks compiling, history, logging and sending.

The kernel checks every request with the functions here before ipykernel
sees it, and answers one that fails with an error reply of the matching type
(``ename`` ``BadRequest``, ``evalue`` saying which field and why).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

__all__ = ["COMM_TYPES", "content_problem", "header_problem", "reply_type", "text_problem"]

#: Shell messages that get busy and idle but no reply.
COMM_TYPES = frozenset({"comm_open", "comm_msg", "comm_close"})

_TEXT_HEADER_FIELDS = ("msg_id", "msg_type", "session", "username", "version")
_SCALARS = (str, int, float, bool, type(None), datetime)

_OPTIONAL = False
_REQUIRED = True

#: Content fields of every request the kernel answers: (name, accepted types, required).
#: ``int`` never accepts a bool; fields not listed are ignored.
FIELDS: dict[str, tuple[tuple[str, tuple[type, ...], bool], ...]] = {
    "execute_request": (
        ("code", (str,), _REQUIRED),
        ("silent", (bool,), _OPTIONAL),
        ("store_history", (bool,), _OPTIONAL),
        ("user_expressions", (dict,), _OPTIONAL),
        ("allow_stdin", (bool,), _OPTIONAL),
        ("stop_on_error", (bool,), _OPTIONAL),
    ),
    "complete_request": (("code", (str,), _REQUIRED), ("cursor_pos", (int,), _REQUIRED)),
    "inspect_request": (
        ("code", (str,), _REQUIRED),
        ("cursor_pos", (int,), _REQUIRED),
        ("detail_level", (int,), _OPTIONAL),
        ("omit_sections", (list,), _OPTIONAL),
    ),
    "history_request": (
        ("hist_access_type", (str,), _REQUIRED),
        ("output", (bool,), _REQUIRED),
        ("raw", (bool,), _REQUIRED),
        ("session", (int, type(None)), _OPTIONAL),
        ("start", (int, type(None)), _OPTIONAL),
        ("stop", (int, type(None)), _OPTIONAL),
        ("n", (int, type(None)), _OPTIONAL),
        ("pattern", (str, type(None)), _OPTIONAL),
        ("unique", (bool,), _OPTIONAL),
    ),
    "is_complete_request": (("code", (str,), _REQUIRED),),
    "comm_info_request": (("target_name", (str, type(None)), _OPTIONAL),),
    "shutdown_request": (("restart", (bool,), _REQUIRED),),
    "delete_subshell_request": (("subshell_id", (str,), _REQUIRED),),
    "register_cell_request": (("cell_id", (str,), _REQUIRED), ("code", (str,), _REQUIRED)),
    "unregister_cell_request": (("cell_id", (str,), _REQUIRED),),
    "comm_open": (("comm_id", (str,), _REQUIRED), ("target_name", (str,), _REQUIRED)),
    "comm_msg": (("comm_id", (str,), _REQUIRED),),
    "comm_close": (("comm_id", (str,), _REQUIRED),),
}

#: Fields holding code or text that the kernel compiles, stores or echoes: they must encode to UTF-8.
_TEXT_FIELDS = frozenset({"code", "cell_id", "pattern", "target_name", "comm_id", "subshell_id", "hist_access_type"})


def reply_type(msg_type: str) -> str | None:
    """``complete_reply`` for ``complete_request``; None for a message that gets no reply."""
    return msg_type[: -len("_request")] + "_reply" if msg_type.endswith("_request") else None


def text_problem(value: str, what: str) -> str | None:
    """Why ``value`` cannot be used as text (it holds a lone surrogate), or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        return f"{what} is not valid Unicode text (a lone surrogate at position {err.start})"
    return None


def header_problem(header: Any) -> str | None:
    """Why a request's header cannot be used, or None.

    ``msg_id``, ``msg_type``, ``session``, ``username`` and ``version`` must
    be strings, ``date`` a date string, ``subshell_id`` a string or null, and
    every other field a JSON scalar: a list or an object there breaks the
    output streams, which key their buffers by the header's items.
    """
    if not isinstance(header, Mapping):
        return "header must be an object"
    for name in _TEXT_HEADER_FIELDS:
        value = header.get(name)
        if not isinstance(value, str):
            return f"header.{name} must be a string, not {_kind(value)}"
        problem = text_problem(value, f"header.{name}")
        if problem is not None:
            return problem
    if not header["version"].split(".")[0].isdigit():
        return f"header.version must be a protocol version such as '5.3', not {_shown(header['version'])!r}"
    date = header.get("date")
    if date is not None and not isinstance(date, (str, datetime)):
        return f"header.date must be a date string, not {_kind(date)}"
    subshell = header.get("subshell_id")
    if subshell is not None and not isinstance(subshell, str):
        return f"header.subshell_id must be a string or null, not {_kind(subshell)}"
    for name, value in header.items():
        if not isinstance(value, _SCALARS):
            return f"header.{_shown(name)} must be a string, number, boolean or null, not {_kind(value)}"
        if isinstance(value, str) and text_problem(value, "") is not None:
            return text_problem(value, f"header.{_shown(name)}")
    return None


def content_problem(msg_type: str, content: Any) -> str | None:
    """Why a request's content does not fit its type, or None (unknown types only need an object)."""
    if not isinstance(content, dict):
        return f"content must be an object, not {_kind(content)}"
    for name, kinds, required in FIELDS.get(msg_type, ()):
        if name not in content:
            if required:
                return f"missing field {name!r}"
            continue
        value = content[name]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            expected = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            return f"field {name!r} must be {expected}, not {_kind(value)}"
        if name in _TEXT_FIELDS and isinstance(value, str):
            problem = text_problem(value, f"field {name!r}")
            if problem is not None:
                return problem
    return _range_problem(msg_type, content)


def _range_problem(msg_type: str, content: dict) -> str | None:
    if msg_type in ("complete_request", "inspect_request"):
        if not 0 <= content["cursor_pos"] <= len(content["code"]):
            return f"cursor_pos must be between 0 and the length of code ({len(content['code'])})"
        if content.get("detail_level", 0) not in (0, 1):
            return "detail_level must be 0 or 1"
        if not all(isinstance(s, str) for s in content.get("omit_sections", ())):
            return "omit_sections must be a list of strings"
    if msg_type == "history_request" and (content.get("n") or 0) < 0:
        return "field 'n' must not be negative"
    return None


def _kind(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _shown(name: str) -> str:
    """A field name safe to put in a message (escaped, at most 40 characters)."""
    shown = name.encode("ascii", "backslashreplace").decode("ascii")
    return shown if len(shown) <= 40 else shown[:39] + "…"

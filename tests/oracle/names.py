"""Reading every user name's value out of a kernel, in a form two kernels can compare.

``EXPRESSION`` is one ``user_expressions`` entry of a silent execute request:
it runs ``SNAPSHOT`` in a throw-away namespace, so it defines nothing in the
user's, and evaluates to a JSON object ``{name: stable repr}``.

Left out: names starting with ``_``, modules, and IPython's own names (those
still bound to the object IPython put in ``user_ns_hidden``).  The stable repr
is ``repr`` with memory addresses replaced by ``0x?``, except that

- lists, tuples and dicts are written element by element, sets and frozensets
  sorted, so that an element with a default repr is still compared by content;
- an object with the default ``object.__repr__`` is written as its class name
  and its ``__dict__``;
- a function is written as its qualified name and defaults, a generator as its
  name, state and suspended locals;
- a matplotlib Axes or Figure also lists the y data of its lines, and its title;
- a pandas or numpy object whose repr leaves rows out (``...``) also carries a
  digest of its whole content, so a difference in the rows not shown still counts.
"""

from __future__ import annotations

import ast
import json

__all__ = ["EXPRESSION", "SNAPSHOT", "parse"]

SNAPSHOT = r"""
import hashlib as _hashlib
import inspect as _inspect
import json as _json
import re as _re
import types as _types

_address = _re.compile(r"(?<![0-9A-Za-z_])0x[0-9a-fA-F]+")
_DEPTH = 8


def _mpl(v, seen):
    module = type(v).__module__ or ""
    if not module.startswith("matplotlib"):
        return ""
    parts = []
    axes = getattr(v, "axes", None)
    if hasattr(v, "get_lines"):
        parts.append("title=" + repr(v.get_title()))
        parts.append("lines=" + stable([list(map(float, ln.get_ydata())) for ln in v.get_lines()], 1, seen))
    elif isinstance(axes, list):
        parts.append("axes=" + stable(axes, 1, seen))
    return " " + " ".join(parts) if parts else ""


def _digest(v, text):
    module = type(v).__module__ or ""
    if "..." not in text or not module.startswith(("pandas", "numpy")):
        return ""
    try:
        if module.startswith("pandas"):
            whole = v.to_csv() if hasattr(v, "to_csv") else repr(list(v))
        elif getattr(v, "dtype", None) is not None and v.dtype.hasobject:
            whole = repr(v.tolist())
        else:
            whole = repr((v.shape, str(v.dtype))) + v.tobytes().hex()
    except Exception:
        return ""
    return " <digest " + _hashlib.sha1(whole.encode()).hexdigest()[:16] + ">"


def stable(v, depth=0, seen=()):
    if depth > _DEPTH or id(v) in seen:
        return "..."
    seen = seen + (id(v),)
    t = type(v)
    if t is list:
        return "[" + ", ".join(stable(x, depth + 1, seen) for x in v) + "]"
    if t is tuple:
        inner = ", ".join(stable(x, depth + 1, seen) for x in v)
        return "(" + inner + ("," if len(v) == 1 else "") + ")"
    if t is dict:
        return "{" + ", ".join(
            stable(k, depth + 1, seen) + ": " + stable(x, depth + 1, seen) for k, x in v.items()
        ) + "}"
    if t in (set, frozenset):
        return t.__name__ + "{" + ", ".join(sorted(stable(x, depth + 1, seen) for x in v)) + "}"
    if isinstance(v, _types.GeneratorType):
        state = _inspect.getgeneratorstate(v)
        frame_locals = dict(v.gi_frame.f_locals) if v.gi_frame is not None else {}
        return "<generator " + v.__qualname__ + " " + state + " " + stable(frame_locals, depth + 1, seen) + ">"
    if isinstance(v, (_types.FunctionType, _types.BuiltinFunctionType)):
        defaults = getattr(v, "__defaults__", None)
        return "<function " + v.__qualname__ + (" defaults=" + stable(defaults, depth + 1, seen) if defaults else "") + ">"
    if isinstance(v, type):
        return "<class " + v.__qualname__ + ">"
    if t.__repr__ is object.__repr__ and isinstance(getattr(v, "__dict__", None), dict):
        return t.__qualname__ + "(" + stable(dict(vars(v)), depth + 1, seen) + ")" + _mpl(v, seen)
    try:
        text = repr(v)
    except Exception as err:
        text = "<repr raised " + type(err).__name__ + ">"
    return _address.sub("0x?", text) + _digest(v, text) + _mpl(v, seen)


def snapshot(ns, hidden):
    out = {}
    for name, value in list(ns.items()):
        if name.startswith("_") or isinstance(value, _types.ModuleType):
            continue
        if name in hidden and hidden[name] is value:
            continue
        out[name] = stable(value)
    return _json.dumps(out, sort_keys=True)


result = snapshot(ns, hidden)
"""

EXPRESSION = (
    "(lambda g: (exec(compile(" + repr(SNAPSHOT) + ", '<oracle-snapshot>', 'exec'), g), g['result'])[1])"
    "({'ns': get_ipython().user_ns, 'hidden': get_ipython().user_ns_hidden})"
)


def parse(user_expression: dict) -> dict[str, str]:
    """The ``{name: stable repr}`` from ``EXPRESSION``'s entry in an execute reply; raises RuntimeError if it failed."""
    if user_expression.get("status") != "ok":
        raise RuntimeError(f"name snapshot failed: {user_expression.get('ename')}: {user_expression.get('evalue')}")
    return json.loads(ast.literal_eval(user_expression["data"]["text/plain"]))

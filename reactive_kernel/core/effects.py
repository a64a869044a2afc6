"""What calls do to their receivers, arguments and files: the tables the analysis consults.

Kept as plain data so that a library's in-place API is one line to add.  The
analysis errs toward reporting a change: an over-reported change costs a
re-run, a missed one a wrong notebook.  A call whose value is thrown away (a
call statement other than the cell's last line) is assumed to have been made
for its effects unless a table here says it only looks.

This module imports nothing from Jupyter.
"""

from __future__ import annotations

__all__ = [
    "CHANGES_FIRST_ARGUMENT",
    "CHANGES_RECEIVER",
    "FILE_FUNCTIONS",
    "FILE_METHODS",
    "FILE_MODULE_FUNCTIONS",
    "FILE_MODULES",
    "LOOKS_ONLY",
    "LOOKS_ONLY_FUNCTIONS",
    "changes_receiver",
]

#: Methods that change the object they are called on.
CHANGES_RECEIVER = frozenset(
    {
        # list, dict, set, deque, bytearray
        "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update",
        "setdefault", "add", "discard", "popitem", "difference_update", "intersection_update",
        "symmetric_difference_update", "appendleft", "extendleft", "popleft", "rotate",
        # numpy arrays
        "fill", "put", "itemset", "resize", "setflags", "partition",
        # files and streams
        "write", "writelines", "truncate", "seek", "close", "flush",
        # estimators and models
        "fit", "partial_fit", "fit_transform", "train", "step", "zero_grad", "backward",
        "load_state_dict", "set_params",
        # generic mutators
        "__setitem__", "__delitem__", "__setattr__", "__delattr__", "__iadd__", "__isub__",
    }
)

#: Methods known only to look at their receiver (they may return a new object).
LOOKS_ONLY = frozenset(
    {
        # python containers and strings
        "copy", "index", "count", "get", "keys", "values", "items", "format", "encode", "decode",
        "union", "intersection", "difference", "symmetric_difference", "issubset", "issuperset",
        "isdisjoint", "startswith", "endswith", "split", "rsplit", "splitlines", "join", "strip",
        "lstrip", "rstrip", "lower", "upper", "title", "capitalize", "casefold", "replace", "find",
        "rfind", "isdigit", "isalpha", "isalnum", "isspace", "zfill", "center", "ljust", "rjust",
        "bit_length", "conjugate", "is_integer", "hex", "fromkeys",
        # pandas and numpy
        "head", "tail", "describe", "info", "sample", "sum", "mean", "median", "mode", "std", "var",
        "min", "max", "prod", "count", "nunique", "unique", "value_counts", "groupby", "agg",
        "aggregate", "apply", "map", "applymap", "transform", "pivot", "pivot_table", "melt",
        "merge", "join", "concat", "sort_values", "sort_index", "reset_index", "set_index", "drop",
        "rename", "fillna", "dropna", "drop_duplicates", "duplicated", "astype", "to_numpy",
        "to_list", "tolist", "to_dict", "to_frame", "to_string", "to_markdown", "to_html", "query",
        "filter", "where", "mask", "corr", "cov", "cumsum", "cumprod", "cummax", "cummin", "diff",
        "shift", "pct_change", "rolling", "expanding", "ewm", "resample", "round", "abs", "clip",
        "isna", "notna", "isnull", "notnull", "isin", "between", "any", "all", "idxmax", "idxmin",
        "argmax", "argmin", "argsort", "nlargest", "nsmallest", "plot", "hist", "boxplot", "assign",
        "explode", "stack", "unstack", "transpose", "reshape", "flatten", "ravel", "squeeze",
        "nonzero", "dot", "T", "equals", "memory_usage", "select_dtypes", "get_dummies", "dropna",
        "interpolate", "quantile", "rank", "reindex", "align", "combine", "compare", "first",
        "last", "nth", "size", "shape", "dtype", "dtypes", "view", "tobytes", "searchsorted",
        "trace", "diagonal", "swapaxes", "take", "choose", "compress", "repeat", "predict",
        "predict_proba", "score", "decision_function", "evaluate",
        "show", "get_figure", "get_xlim", "get_ylim",
    }
)

#: Functions (called by a bare or dotted name) that change their first argument.
CHANGES_FIRST_ARGUMENT = frozenset(
    {
        "copyto", "place", "put", "putmask", "fill_diagonal", "shuffle", "heappush", "heappop",
        "heapify", "heapreplace", "heappushpop", "insort", "insort_left", "insort_right",
        "setattr", "delattr", "next",
    }
)

#: Functions known to leave their arguments alone, even called as a statement.
LOOKS_ONLY_FUNCTIONS = frozenset(
    {
        "print", "display", "len", "repr", "str", "int", "float", "bool", "complex", "list",
        "dict", "set", "frozenset", "tuple", "sorted", "sum", "min", "max", "abs", "round", "type",
        "isinstance", "issubclass", "id", "hash", "help", "dir", "format", "enumerate", "zip",
        "range", "any", "all", "pprint", "pp", "HTML", "Markdown", "Math", "Latex", "Image",
        "SVG", "JSON", "Code", "clear_output", "ascii", "bin", "hex", "oct", "ord", "chr", "divmod",
        "pow", "callable", "getattr", "hasattr", "isnan", "isinf", "isclose", "allclose",
        "array_equal", "deepcopy", "copy",
    }
)

#: Methods of paths and file-like APIs: how they use the path they are called on.
#: ``write`` replaces the file, ``change`` modifies or creates it in place, ``read`` looks at it.
FILE_METHODS = {
    "write_text": "write", "write_bytes": "write", "touch": "change", "mkdir": "change",
    "unlink": "write", "rmdir": "write", "read_text": "read", "read_bytes": "read",
    "exists": "read", "is_file": "read", "is_dir": "read", "stat": "read", "iterdir": "read",
    "glob": "read", "rglob": "read",
    # pandas and numpy writers called on the data, with the path as first argument
    "to_csv": "write-arg", "to_parquet": "write-arg", "to_json": "write-arg",
    "to_excel": "write-arg", "to_pickle": "write-arg", "to_feather": "write-arg",
    "to_hdf": "write-arg", "savefig": "write-arg", "tofile": "write-arg",
}

#: Functions that use paths, called from any module: how each positional path argument is used.
FILE_FUNCTIONS = {
    "read_csv": ("read",), "read_parquet": ("read",), "read_json": ("read",),
    "read_excel": ("read",), "read_table": ("read",), "read_pickle": ("read",),
    "read_feather": ("read",), "read_hdf": ("read",), "loadtxt": ("read",),
    "genfromtxt": ("read",), "fromfile": ("read",), "listdir": ("read",), "scandir": ("read",),
    "isfile": ("read",), "isdir": ("read",), "getsize": ("read",),
    "savetxt": ("write",), "savez": ("write",), "savez_compressed": ("write",),
    "makedirs": ("change",), "rmtree": ("write",), "copyfile": ("read", "write"),
    "copytree": ("read", "write"), "copy2": ("read", "write"),
}

#: Modules whose short, common function names below use paths (``os.remove``, ``np.save``).
FILE_MODULES = frozenset({"os", "path", "shutil", "glob", "np", "numpy", "torch", "joblib"})

#: Functions that use paths only when called from one of ``FILE_MODULES``.
FILE_MODULE_FUNCTIONS = {
    "load": ("read",), "save": ("write",), "dump": ("write",), "exists": ("read",),
    "walk": ("read",), "glob": ("read",), "remove": ("write",), "unlink": ("write",),
    "rmdir": ("write",), "mkdir": ("change",), "rename": ("change", "write"),
    "replace": ("change", "write"), "move": ("change", "write"), "copy": ("read", "write"),
}


def changes_receiver(method: str) -> bool | None:
    """True if ``method`` changes its receiver, False if it only looks, None when unknown.

    Method names ending in one underscore (``add_``, ``requires_grad_``) change
    their receiver, after the convention of tensor libraries.
    """
    if method in CHANGES_RECEIVER:
        return True
    if method.endswith("_") and not method.endswith("__") and len(method) > 1:
        return True
    if method in LOOKS_ONLY:
        return False
    return None

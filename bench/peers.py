"""Where the peer systems (ipyflow, marimo) live, and how to set up their environment.

Peers may be installed next to reactive_kernel (``pip install -e .[bench]``) or
in a separate environment, ``.venv-peers`` at the repository root, created by
``python -m bench --setup-peers`` with the same ipykernel / IPython /
jupyter_client / pyzmq / traitlets / tornado versions as the running Python,
so that ipyflow's kernel runs on the same Jupyter stack as the others. A
separate environment keeps ipyflow's Jupyter server and JupyterLab extensions
(and nbclassic) out of the environment the project's own tests run in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .kernels import KernelKind

__all__ = ["CORE_PACKAGES", "PEER_PINS", "Peers", "find_peers", "setup_peers"]

ROOT = Path(__file__).resolve().parent.parent
PEERS_VENV = ROOT / ".venv-peers"

#: Packages whose versions must match the project's environment.
CORE_PACKAGES = ("ipykernel", "ipython", "jupyter_client", "pyzmq", "traitlets", "tornado")

#: Peer versions the published figures were taken with.
PEER_PINS = ("ipyflow==0.0.231", "marimo==0.25.2", "psutil>=5.9")

_PROBE = """
import json, sys
from importlib import metadata
found = {"python": sys.version.split()[0]}
for name in ("ipyflow", "marimo", "ipykernel", "ipython", "jupyter_client", "pyzmq"):
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        found[name] = None
print(json.dumps(found))
"""


@dataclass(frozen=True)
class Peers:
    """The Python that runs the peers and the versions found there (None = not installed)."""

    python: str | None
    versions: dict

    @property
    def ipyflow(self) -> KernelKind | None:
        """How to start ipyflow's kernel, or None when ipyflow is not installed."""
        if not self.python or not self.versions.get("ipyflow"):
            return None
        return KernelKind("ipyflow", "ipyflow", (self.python, "-m", "ipyflow.kernel", "-f", "{connection_file}"))

    @property
    def marimo(self) -> str | None:
        """The Python that has marimo, or None."""
        return self.python if self.python and self.versions.get("marimo") else None

    def notes(self) -> list[str]:
        """One line for each peer that cannot be measured."""
        found = []
        if not self.python:
            found.append("no Python with ipyflow or marimo found: run `python -m bench --setup-peers`")
            return found
        for name in ("ipyflow", "marimo"):
            if not self.versions.get(name):
                found.append(f"{name} is not installed in {self.python}")
        return found


def _probe(python: str) -> dict | None:
    try:
        out = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return json.loads(out.stdout)


def find_peers(python: str | None = None) -> Peers:
    """Look for the peers in ``python``, else in this Python, else in ``.venv-peers``."""
    candidates = [python] if python else [sys.executable, str(PEERS_VENV / "bin" / "python")]
    for candidate in candidates:
        if not Path(candidate).exists():
            continue
        versions = _probe(candidate)
        if versions and (versions.get("ipyflow") or versions.get("marimo")):
            return Peers(candidate, versions)
    return Peers(None, {})


def setup_peers(target: Path = PEERS_VENV) -> Path:
    """Create ``target`` with the peers and this environment's Jupyter stack; returns its Python.

    Raises subprocess.CalledProcessError when venv creation or pip fails.
    """
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(target)], check=True)
    pins = [f"{name}=={metadata.version(name)}" for name in CORE_PACKAGES]
    python = target / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pins, *PEER_PINS], check=True)
    return python

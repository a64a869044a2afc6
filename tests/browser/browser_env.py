"""A real JupyterLab / Notebook 7 server for browser tests, and where screenshots go.

The servers run from the project's virtual environment, so they see its
kernelspecs and its labextensions, with settings, workspaces, runtime files and
configuration in temporary folders.  A server started without the plugin has
it turned off the way a user does it, ``jupyter labextension disable``, in its
own configuration folder, so servers with and without it run side by side.
Screenshots go to ``tests/artifacts/browser/``.
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "browser"
#: This checkout's build of the plugin (``make install`` or ``npm run build:prod`` in labextension/).
PLUGIN_BUILD = Path(__file__).resolve().parents[2] / "reactive_kernel" / "labextension"
KERNEL_NAME = "reactive-python"
#: The companion frontend plugin, as ``jupyter labextension`` names it.
PLUGIN = "reactive-kernel-jupyterlab"
#: How long a UI step may take on a slow, shared machine.
STEP_MS = 60_000

#: User settings that keep pop-ups (news, update checks) out of the screenshots.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies, so no server outlives a killed run."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running Jupyter server: where it serves, its token and its root folder."""

    base_url: str
    token: str
    root: Path
    process: subprocess.Popen

    def url(self, path: str, query: str = "") -> str:
        """The address of ``path`` with the token (and ``query``) attached."""
        extra = f"{query}&" if query else ""
        return f"{self.base_url}{path}?{extra}token={self.token}"

    def shutdown_kernels(self) -> None:
        """Shut down every kernel the server runs."""
        with urllib.request.urlopen(self.url("/api/kernels"), timeout=30) as reply:
            kernels = json.load(reply)
        for kernel in kernels:
            request = urllib.request.Request(self.url(f"/api/kernels/{kernel['id']}"), method="DELETE")
            urllib.request.urlopen(request, timeout=60).close()

    def write_notebook(self, name: str, cells: list[tuple[str, str]], kernel: str = KERNEL_NAME) -> Path:
        """Write ``name`` with code cells given as ``(cell_id, source)``; returns its path."""
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": kernel,
            "display_name": "Python 3 (reactive)" if kernel == KERNEL_NAME else "Python 3 (ipykernel)",
            "language": "python",
        }
        nb.metadata["language_info"] = {"name": "python"}
        nb.cells = [nbformat.v4.new_code_cell(source, id=cell_id) for cell_id, source in cells]
        path = self.root / name
        nbformat.write(nb, path)
        return path


def start_server(app: str, tmp_path_factory, log_name: str, plugin: bool = False) -> Server:
    """Start ``jupyter lab`` or ``jupyter notebook``, with or without the plugin.

    Raises RuntimeError if it never gets ready, or if the plugin is wanted and
    not installed.
    """
    base = tmp_path_factory.mktemp(f"jupyter-{app}-{'plugin' if plugin else 'plain'}")
    root = base / "root"
    root.mkdir()
    settings = base / "settings"
    for rel, values in LAB_SETTINGS.items():
        target = settings / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
    )
    _use_this_build(base, env)
    _set_plugin(plugin, env)
    token = secrets.token_hex(16)
    for _ in range(3):
        server = _launch(app, _free_port(), token, root, env, ARTIFACTS / log_name)
        if server is not None:
            return server
    raise RuntimeError(f"jupyter {app} found no free port in 3 tries; see {ARTIFACTS / log_name}")


def _use_this_build(base: Path, env: dict) -> None:
    """Serve this checkout's build of the plugin, ahead of any other install of it in the environment.

    A folder on ``JUPYTER_PATH`` comes first in JupyterLab's search for
    labextensions; it holds a link to the build next to these tests.
    """
    if not (PLUGIN_BUILD / "package.json").exists():
        return
    data = base / "jupyter-path"
    (data / "labextensions").mkdir(parents=True, exist_ok=True)
    (data / "labextensions" / PLUGIN).symlink_to(PLUGIN_BUILD, target_is_directory=True)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(data), env.get("JUPYTER_PATH")]))


def _set_plugin(enabled: bool, env: dict) -> None:
    """Check the plugin is installed (when wanted), or disable it in this server's configuration."""
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    listing = subprocess.run([jupyter, "labextension", "list"], env=env, capture_output=True, text=True, timeout=120)
    installed = PLUGIN in listing.stdout + listing.stderr
    if enabled and not installed:
        raise RuntimeError(
            f"the {PLUGIN} labextension is not installed in this environment: run `make install` "
            "(it builds labextension/ with Node)"
        )
    if not enabled and installed:
        subprocess.run(
            [jupyter, "labextension", "disable", "--level=user", PLUGIN],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )


def _launch(app: str, port: int, token: str, root: Path, env: dict, log_path: Path) -> Server | None:
    """Run the server on ``port`` until it answers; None if the port was taken meanwhile.

    Raises RuntimeError when the server fails otherwise or lacks the kernelspec.
    """
    jupyter = Path(sys.executable).with_name("jupyter")
    extra = ["--LabApp.extension_manager=readonly"] if app == "lab" else []
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                str(jupyter),
                app,
                "--allow-root",
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}",
                *extra,
            ],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    server = Server(f"http://127.0.0.1:{port}", token, root, process)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if "is not available" in log_path.read_text():
                return None
            raise RuntimeError(f"jupyter {app} exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(server.url("/api/kernelspecs"), timeout=5) as reply:
                specs = json.load(reply)
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
            continue
        if KERNEL_NAME not in specs["kernelspecs"]:
            stop(process)
            raise RuntimeError(f"jupyter {app} does not see the {KERNEL_NAME} kernelspec")
        return server
    stop(process)
    raise RuntimeError(f"jupyter {app} not ready after 90 s; see {log_path}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as ``tests/artifacts/browser/<name>.png``; returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

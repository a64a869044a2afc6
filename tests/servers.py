"""Real servers the tests start on 127.0.0.1: a Jupyter Kernel Gateway and the example web backend."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, headers: dict | None = None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Any
    token: str = ""

    def output(self) -> str:
        """What the server printed so far."""
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> str:
        """Stop the server (SIGTERM, then SIGKILL) and return what it printed."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        output = self.output()
        self.log.close()
        return output


def launch(command: list[str], url: str, ready: str, headers: dict | None = None, token: str = "") -> Server:
    log = tempfile.TemporaryFile("w+")
    process = subprocess.Popen(command, env=environment(), stdout=log, stderr=subprocess.STDOUT, text=True)
    server = Server(url, process, log, token)
    try:
        wait_for(ready, process, headers)
    except Exception:
        print(server.stop()[-3000:])
        raise
    return server


def start_gateway(*extra: str) -> Server:
    """``jupyter kernelgateway`` serving this environment's kernelspecs (reactive-python among them).

    Its restarter polls every 0.5 s so that a dead kernel is noticed quickly.
    """
    port, token = free_port(), secrets.token_hex(16)
    command = [
        str(BIN / "jupyter"),
        "kernelgateway",
        "--KernelGatewayApp.ip=127.0.0.1",
        f"--KernelGatewayApp.port={port}",
        f"--KernelGatewayApp.auth_token={token}",
        "--JupyterWebsocketPersonality.list_kernels=True",
        "--KernelRestarter.time_to_dead=0.5",
        *extra,
    ]
    url = f"http://127.0.0.1:{port}"
    return launch(command, url, f"{url}/api/kernelspecs", {"Authorization": f"token {token}"}, token)


def start_web_backend(*extra: str) -> Server:
    """``python examples/web_backend.py`` on a free port."""
    port = free_port()
    command = [
        sys.executable,
        str(ROOT / "examples" / "web_backend.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *extra,
    ]
    url = f"http://127.0.0.1:{port}"
    return launch(command, url, f"{url}/health")

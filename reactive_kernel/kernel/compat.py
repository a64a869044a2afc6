"""Every private ipykernel and IPython name the kernel uses, in one place.

ipykernel offers no public way to run a cell's code quietly as part of another
request, to see which requests wait on the shell channel, or to tag what its
output streams publish.  What the kernel needs for that is reached only
through the functions here; ``PRIVATE_NAMES`` lists the names, and a test
checks them against the installed versions, so an upgrade that removes one
fails there, loudly, instead of somewhere in a cascade.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = [
    "PRIVATE_NAMES",
    "forward_input",
    "is_internal_message",
    "memoize_transform",
    "publish_status",
    "reset_traceback",
    "restore_input",
    "run_failed_in_displayhook",
    "set_execute_sleep",
    "shell_lock",
    "topic",
]

#: (module, class, attribute) of every private name used below, and of the undocumented
#: shell-channel machinery of ipykernel 7 that ``kernel`` and ``wire`` extend.
PRIVATE_NAMES = (
    ("ipykernel.kernelbase", "Kernel", "_publish_status"),
    ("ipykernel.kernelbase", "Kernel", "_topic"),
    ("ipykernel.kernelbase", "Kernel", "_execute_sleep"),
    ("ipykernel.ipkernel", "IPythonKernel", "_forward_input"),
    ("ipykernel.ipkernel", "IPythonKernel", "_restore_input"),
    ("IPython.core.interactiveshell", "InteractiveShell", "_last_traceback"),
    ("ipykernel.kernelbase", "Kernel", "_main_asyncio_lock"),  # set in Kernel.__init__
    ("ipykernel.kernelbase", "Kernel", "shell_channel_thread"),
    ("ipykernel.kernelbase", "Kernel", "shell_channel_thread_main"),
    ("ipykernel.kernelbase", "Kernel", "shell_main"),
    ("ipykernel.kernelbase", "Kernel", "dispatch_shell"),
    ("ipykernel.kernelbase", "Kernel", "process_control"),
    ("ipykernel.shellchannel", "ShellChannelThread", "asyncio_lock"),
    ("ipykernel.shellchannel", "ShellChannelThread", "manager"),
    ("ipykernel.shellchannel", "ShellChannelThread", "io_loop"),
    ("ipykernel.subshell_manager", "SubshellManager", "get_shell_channel_to_subshell_socket"),
    ("ipykernel.subshell_manager", "SubshellManager", "get_shell_channel_to_subshell_pair"),
    ("ipykernel.subshell_manager", "SubshellManager", "get_subshell_to_shell_channel_socket"),
)

#: The message ipykernel posts to its own shell queue to stop aborting requests after an error.
_STOP_ABORTING = b"stop aborting"


def publish_status(kernel: Any, status: str, parent: dict) -> None:
    """Publish a busy or idle status for ``parent`` on iopub."""
    kernel._publish_status(status, "shell", parent)


def topic(kernel: Any, msg_type: str) -> bytes:
    """The iopub topic ipykernel gives a message type."""
    return kernel._topic(msg_type)


def shell_lock(kernel: Any) -> Any:
    """The asyncio lock under which ipykernel handles the main shell's requests one at a time."""
    return kernel._main_asyncio_lock


def set_execute_sleep(kernel: Any, seconds: float) -> None:
    """Set ipykernel's fixed pause after every execute (0.5 ms by default)."""
    kernel._execute_sleep = seconds


def forward_input(kernel: Any) -> None:
    """Make ``input()`` raise inside a cascade re-run (no frontend waits for it), as a silent request does."""
    kernel._forward_input(False)


def restore_input(kernel: Any) -> None:
    """Undo ``forward_input``."""
    kernel._restore_input()


def reset_traceback(shell: Any) -> None:
    """Forget the last traceback before running a cell, as ipykernel does."""
    shell._last_traceback = None
    shell._last_traceback_during_displayhook = False


def run_failed_in_displayhook(shell: Any) -> bool:
    """Whether the last run failed while displaying its result."""
    return bool(getattr(shell, "_last_traceback_during_displayhook", False))


def is_internal_message(msg: list) -> bool:
    """Whether a raw shell message is ipykernel's own "stop aborting" marker, not a request."""
    return len(msg) == 1 and getattr(msg[0], "buffer", msg[0]) == _STOP_ABORTING


class _TransformMemo:
    """``shell.transform_cell`` computed once per request for the request's own code."""

    def __init__(self, transform: Callable[[str], str]) -> None:
        self.transform = transform
        self.memo: tuple[str, str] | None = None

    def __call__(self, code: str) -> str:
        memo = self.memo
        if memo is not None and memo[0] == code:
            return memo[1]
        return self.transform(code)

    def remember(self, code: str, transformed: str) -> None:
        """Keep ``transformed`` for ``code`` until ``forget``."""
        self.memo = (code, transformed)

    def forget(self) -> None:
        """Drop the memo (a new request starts: the transform may depend on the namespace)."""
        self.memo = None


def memoize_transform(shell: Any) -> _TransformMemo:
    """Wrap the shell's ``transform_cell`` so the kernel's analysis and IPython share one transform.

    Returns the memo; its ``transform`` is the original method.
    """
    memo = _TransformMemo(shell.transform_cell)
    shell.transform_cell = memo
    return memo

"""Every private ipykernel and IPython name the kernel uses is still there in the installed versions."""

from __future__ import annotations

from reactive_kernel.kernel.compat import PRIVATE_NAMES


def test_private_names_exist_in_a_running_kernel(kernel):
    # the kernel and its shell are the instances these names are read from
    objects = {
        "Kernel": "get_ipython().kernel",
        "IPythonKernel": "get_ipython().kernel",
        "InteractiveShell": "get_ipython()",
        "ShellChannelThread": "get_ipython().kernel.shell_channel_thread",
        "SubshellManager": "get_ipython().kernel.shell_channel_thread.manager",
    }
    for module, cls, attr in PRIVATE_NAMES:
        expression = (
            f"isinstance({objects[cls]}, __import__({module!r}, fromlist=['_']).{cls}) "
            f"and hasattr({objects[cls]}, {attr!r})"
        )
        assert kernel.value(expression) == "True", (module, cls, attr)

"""The official jupyter_kernel_test suite against ``reactive-python``.

The samples are the ones stock ipykernel is checked with, and stock ``python3``
passes the same classes, so a pass here means a standard client sees the same
protocol from this kernel as from ``python3``: one busy/idle pair per request,
an ``execute_input`` echoing the code, a single ``error`` output for an error,
plain history entries and the usual replies.  The suite runs twice: with
anonymous cells (no ``cellId``, as nbclient and jupyter console send) and with
a ``cellId`` on every request (as JupyterLab sends).
"""

from __future__ import annotations

import jupyter_kernel_test

from reactive_kernel import KERNEL_NAME


class ReactiveKernelConformance(jupyter_kernel_test.KernelTests):
    """jupyter_kernel_test's KernelTests with ipykernel's own samples."""

    kernel_name = KERNEL_NAME
    language_name = "python"
    file_extension = ".py"

    code_hello_world = "print('hello, world')"
    code_stderr = "import sys; print('test', file=sys.stderr)"

    completion_samples = [{"text": "zi", "matches": {"zip"}}]

    complete_code_samples = ["1", "print('hello, world')", "def f(x):\n  return x*2\n\n\n"]
    incomplete_code_samples = ["print('''hello", "def f(x):\n  x*2"]
    invalid_code_samples = ["import = 7q"]

    code_page_something = "zip?"
    code_generate_error = "raise"

    code_execute_result = [
        {"code": "1+2+3", "result": "6"},
        {"code": "[n*n for n in range(1, 4)]", "result": "[1, 4, 9]"},
    ]
    code_display_data = [
        {
            "code": "from IPython.display import HTML, display; display(HTML('<b>test</b>'))",
            "mime": "text/html",
        },
        {
            "code": "from IPython.display import Math, display; display(Math('\\\\frac{1}{2}'))",
            "mime": "text/latex",
        },
    ]

    code_history_pattern = "1?2*"
    # "range" is left out as in ipykernel's samples: IPython answers a range
    # over the current session with session number 0, which the suite rejects.
    supported_history_operations = ("tail", "search")

    code_inspect_sample = "zip"
    code_clear_output = "from IPython.display import clear_output; clear_output()"

    def test_reactive_report_names_the_cell(self) -> None:
        self.flush_channels()
        reply, _ = self.execute_helper("conformance_value = 41 + 1")
        report = reply["metadata"]["reactive"]
        self.assertEqual(report["writes"], ["conformance_value"])
        cell_id = self.kc.session.metadata.get("cellId")
        if cell_id is None:
            self.assertTrue(report["cell_id"].startswith("anon-"), report)
        else:
            self.assertEqual(report["cell_id"], cell_id)


class ReactiveKernelConformanceWithCellIds(ReactiveKernelConformance):
    """The same suite with a ``cellId`` on every request, as JupyterLab sends it.

    Each test runs as one notebook cell (its code edited and re-run between
    requests), so the registering path of the kernel is the one checked.
    """

    def setUp(self) -> None:
        self.kc.session.metadata["cellId"] = f"conformance-{self._testMethodName}"


class ReactiveKernelIopubWelcome(jupyter_kernel_test.IopubWelcomeTests):
    """The first iopub message a new subscriber gets is ``iopub_welcome`` (as with ipykernel 7)."""

    kernel_name = KERNEL_NAME
    support_iopub_welcome = True

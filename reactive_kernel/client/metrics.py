"""Kernel lifecycle metrics in a prometheus_client registry (the optional ``[server]`` extra).

A ``Metrics`` is handed to coordinators (``Coordinator(metrics=...)``) and to a
``KernelPool``, which pass it to theirs; they report to it as things happen.
Expose it the standard ways::

    from prometheus_client import make_asgi_app, start_http_server
    start_http_server(9100, registry=metrics.registry)     # a /metrics server of its own
    app.mount("/metrics", make_asgi_app(metrics.registry))  # inside an ASGI app

Series (all prefixed ``reactive_kernel_``): ``kernels{state}`` (starting,
ready, busy: a pool's kernels), ``kernel_starts_total``,
``kernel_restarts_total`` (new kernels that took over from dead ones),
``kernel_crashes_total``, ``kernel_start_seconds``, ``acquire_wait_seconds``,
``cascade_seconds``, ``cascade_cells`` (cells a request ran besides the one
executed), ``refusals_total{kind}``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Metrics"]

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_CELLS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


class Metrics:
    """The series above, in ``registry`` (a new ``CollectorRegistry`` when None).

    Raises ModuleNotFoundError when prometheus_client is not installed
    (``pip install reactive_kernel[server]``).
    """

    def __init__(self, registry: Any = None, namespace: str = "reactive_kernel") -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = registry if registry is not None else CollectorRegistry()
        self.namespace = namespace
        options: dict[str, Any] = {"namespace": namespace, "registry": self.registry}
        self.kernels = Gauge("kernels", "Kernels of a pool by state", ["state"], **options)
        self.starts = Counter("kernel_starts", "Kernels started (restarts included)", **options)
        self.restarts = Counter("kernel_restarts", "New kernels that took over from dead ones", **options)
        self.crashes = Counter("kernel_crashes", "Kernels that died without being asked to", **options)
        self.start_seconds = Histogram(
            "kernel_start_seconds", "Time from starting a kernel to its first answer", buckets=_SECONDS, **options
        )
        self.acquire_wait = Histogram(
            "acquire_wait_seconds", "Time a pool's acquire waited for a kernel", buckets=_SECONDS, **options
        )
        self.cascade_seconds = Histogram(
            "cascade_seconds", "Time from sending an execute to its last result", buckets=_SECONDS, **options
        )
        self.cascade_cells = Histogram(
            "cascade_cells", "Cells a request ran besides the executed one", buckets=_CELLS, **options
        )
        self.refusals = Counter("refusals", "Registrations the kernel refused, by error name", ["kind"], **options)
        for state in ("starting", "ready", "busy"):
            self.kernels.labels(state).set(0)

    # -- what coordinators and pools report -------------------------------------------------
    def kernel_started(self, seconds: float, *, restart: bool = False) -> None:
        """A kernel answered its first request ``seconds`` after it was asked for."""
        self.starts.inc()
        self.start_seconds.observe(seconds)
        if restart:
            self.restarts.inc()

    def kernel_crashed(self) -> None:
        """A kernel died unasked."""
        self.crashes.inc()

    def cascade(self, seconds: float, cells: int) -> None:
        """A request ran ``cells`` cells besides the one executed, in ``seconds``."""
        self.cascade_seconds.observe(seconds)
        self.cascade_cells.observe(cells)

    def refused(self, kind: str) -> None:
        """The kernel refused a registration with error ``kind``."""
        self.refusals.labels(kind).inc()

    def pool(self, *, starting: int, ready: int, busy: int) -> None:
        """A pool's kernels now."""
        self.kernels.labels("starting").set(starting)
        self.kernels.labels("ready").set(ready)
        self.kernels.labels("busy").set(busy)

    def acquired(self, seconds: float) -> None:
        """An acquire got its kernel after waiting ``seconds``."""
        self.acquire_wait.observe(seconds)

    # -- reading ------------------------------------------------------------------------------
    def value(self, name: str, **labels: str) -> float:
        """The current value of a series (``kernel_starts_total``, ``kernels`` with ``state=...``,
        ``cascade_seconds_count``, ...); 0 when it has no sample yet."""
        value = self.registry.get_sample_value(f"{self.namespace}_{name}", labels or None)
        return value if value is not None else 0.0

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format, as a /metrics endpoint serves it."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)

"""The execute requests waiting on the shell channel: which cells they run, and which came as one batch.

ipykernel hands each shell message to the main thread as soon as it arrives
and runs them one at a time, so while a request runs, the ones behind it are
already visible: the kernel leaves a cell to its own waiting request rather
than run it in an earlier cascade.  Requests one client sent within a few
milliseconds of each other, without waiting for replies in between (a Run
All), come in notebook order: a burst.  A request of a burst may reach the
kernel only after the one before it was answered, so a burst is also
recognised looking back: a request sent sooner after the previous one than
that one took to handle was sent without waiting for its reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["RequestQueue", "Waiting"]

#: The longest burst remembered (cells); a longer one starts again.
BURST_LIMIT = 10_000

#: Requests from one client sent at most this far apart (seconds) belong to one burst (a Run All).
BATCH_GAP = 0.05


@dataclass(frozen=True)
class Waiting:
    """A waiting execute request: its cell, client session and send time (seconds, when the header had one)."""

    msg_id: str
    cell_id: str
    session: str
    sent: float | None


def _seconds(date: object) -> float | None:
    if isinstance(date, datetime):
        return date.timestamp()
    if isinstance(date, str):
        try:
            return datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


@dataclass
class _Burst:
    """One client's latest burst: its cells in order, when the last was sent and how long it took."""

    cells: list[str]
    sent: float
    took: float | None = None


class RequestQueue:
    """Execute requests that arrived and have not started, in arrival order, and each client's latest burst."""

    def __init__(self) -> None:
        self._waiting: dict[str, Waiting] = {}
        self._cells: dict[str, int] = {}
        self._bursts: dict[str, _Burst] = {}

    def __len__(self) -> int:
        return len(self._waiting)

    def arrived(self, header: dict, metadata: dict) -> None:
        """Note an execute request (its header and metadata, unverified: this is only a hint)."""
        cell_id = metadata.get("cellId")
        msg_id = header.get("msg_id")
        if not isinstance(cell_id, str) or not isinstance(msg_id, str) or msg_id in self._waiting:
            return
        session = header.get("session")
        self._waiting[msg_id] = Waiting(
            msg_id, cell_id, session if isinstance(session, str) else "", _seconds(header.get("date"))
        )
        self._cells[cell_id] = self._cells.get(cell_id, 0) + 1

    def started(self, msg_id: object) -> None:
        """The request left the queue (it runs now, or was dropped)."""
        found = self._waiting.pop(msg_id, None) if isinstance(msg_id, str) else None
        if found is not None:
            count = self._cells[found.cell_id] - 1
            if count:
                self._cells[found.cell_id] = count
            else:
                del self._cells[found.cell_id]

    def waiting(self, cell_id: str) -> bool:
        """Whether an execute request for the cell is waiting."""
        return cell_id in self._cells

    def batch_after(self, header: dict) -> list[str]:
        """The cells of waiting requests the same client sent right after this one, in order (a Run All).

        Waiting means sent before this request's reply: a client that waits
        for each reply (nbclient, a script) never makes a batch.
        """
        session = header.get("session")
        last = _seconds(header.get("date"))
        cells: list[str] = []
        if last is None:
            return cells
        for waiting in self._waiting.values():
            if waiting.session != session or waiting.sent is None:
                continue
            if not 0 <= waiting.sent - last <= BATCH_GAP:
                break
            cells.append(waiting.cell_id)
            last = waiting.sent
        return cells

    def join_burst(self, header: dict, cell_id: str) -> list[str]:
        """The cells of the burst this starting request belongs to, ending with ``cell_id``.

        It continues its client's burst when sent at most ``BATCH_GAP`` after
        the burst's last request and sooner than that request took to handle.
        """
        session, sent = header.get("session"), _seconds(header.get("date"))
        if not isinstance(session, str) or sent is None:
            return [cell_id]
        burst = self._bursts.get(session)
        if (
            burst is not None
            and burst.took is not None
            and len(burst.cells) < BURST_LIMIT
            and 0 <= sent - burst.sent <= min(BATCH_GAP, burst.took)
        ):
            if cell_id not in burst.cells:
                burst.cells.append(cell_id)
            burst.sent, burst.took = sent, None
        else:
            burst = self._bursts[session] = _Burst([cell_id], sent)
        return list(burst.cells)

    def finished(self, header: dict, took: float) -> None:
        """The client's latest request was answered after ``took`` seconds."""
        burst = self._bursts.get(header.get("session"))  # type: ignore[arg-type]
        if burst is not None:
            burst.took = took

/**
 * Each code cell's reactive state, shown as a small badge under its prompt.
 *
 * The badge is drawn by CSS from attributes on the cell's input prompt node
 * (`data-reactive-state`, `data-reactive-badge`, `title`), so JupyterLab's own
 * prompt text (`[5]:`) is left untouched.
 */

import type { Cell } from '@jupyterlab/cells';
import type { Notebook } from '@jupyterlab/notebook';

/** What the badge says. */
export type BadgeKind =
  | 'reran'
  | 'stale'
  | 'blocked'
  | 'skipped'
  | 'error'
  | 'interrupted';

/** A cell's reactive state: what happened, when, and why. */
export interface ICellState {
  kind: BadgeKind;
  at: Date;
  reason?: string;
}

const LABELS: Record<BadgeKind, string> = {
  reran: '↻ re-ran',
  stale: '● stale',
  blocked: '⊘ blocked',
  skipped: '» skipped',
  error: '✖ error',
  interrupted: '■ stopped'
};

const TITLES: Record<BadgeKind, string> = {
  reran: 're-ran',
  stale: 'stale: an input changed and this cell has not run since',
  blocked: 'blocked: its change was refused, nothing ran',
  skipped: 'skipped',
  error: 're-ran and raised an error',
  interrupted: 'interrupted'
};

/** The badges of one notebook, keyed by cell id. */
export class Badges {
  constructor(notebook: Notebook) {
    this._notebook = notebook;
  }

  /** The state of a cell, if it has one. */
  get(cellId: string): ICellState | undefined {
    return this._states.get(cellId);
  }

  /** Set (or, with null, remove) a cell's state and redraw its badge. */
  set(cellId: string, state: ICellState | null): void {
    if (state) {
      this._states.set(cellId, state);
    } else if (!this._states.delete(cellId)) {
      return;
    }
    const cell = this._notebook.widgets.find(w => w.model.id === cellId);
    if (cell) {
      this.draw(cell);
    }
  }

  /** Redraw every cell's badge (after cells were added, moved or re-rendered). */
  drawAll(): void {
    for (const cell of this._notebook.widgets) {
      this.draw(cell);
    }
  }

  /** Draw one cell's badge from its state. */
  draw(cell: Cell): void {
    if (cell.isDisposed || cell.model.type !== 'code') {
      return;
    }
    const prompt = cell.inputArea?.promptNode;
    if (!prompt) {
      return;
    }
    const state = this._states.get(cell.model.id);
    if (!state) {
      if (prompt.dataset.reactiveState) {
        delete prompt.dataset.reactiveState;
        delete prompt.dataset.reactiveBadge;
        prompt.removeAttribute('title');
      }
      return;
    }
    prompt.dataset.reactiveState = state.kind;
    prompt.dataset.reactiveBadge = LABELS[state.kind];
    const when = state.at.toLocaleTimeString();
    const why = state.reason ? `: ${state.reason}` : '';
    prompt.title =
      state.kind === 'reran'
        ? `re-ran at ${when}${why}`
        : `${TITLES[state.kind]}${why} (${when})`;
  }

  private _notebook: Notebook;
  private _states = new Map<string, ICellState>();
}

/**
 * The kernel's own lines in output areas — the summary of a cascade, the
 * heading before another cell's outputs, a notice, the progress line — shown
 * as quiet notes rather than as the cell's results.
 *
 * Each such output carries `metadata.reactive` with its kind (saved with the
 * notebook, so this holds after a reload too). The output's node in the
 * output area gets the class `rk-Note` and `data-reactive-kind`; the
 * stylesheet does the rest.
 */

import { CodeCell } from '@jupyterlab/cells';
import type { Notebook } from '@jupyterlab/notebook';
import type { IOutputAreaModel } from '@jupyterlab/outputarea';
import { REACTIVE } from './protocol';

const NOTE_CLASS = 'rk-Note';
const NOTE_KINDS = new Set(['summary', 'heading', 'notice', 'progress']);

/** The kind of the kernel's line an output is, or null for any other output. */
function noteKind(model: IOutputAreaModel, index: number): string | null {
  const metadata = model.get(index)?.metadata as Record<string, any> | undefined;
  const kind = metadata?.[REACTIVE]?.kind;
  return typeof kind === 'string' && NOTE_KINDS.has(kind) ? kind : null;
}

/** Marks the kernel's lines in one notebook's output areas. */
export class Notes {
  constructor(notebook: Notebook) {
    this._notebook = notebook;
  }

  /** Follow every code cell's outputs (cells added since are picked up here too) and mark them now. */
  markAll(): void {
    for (const cell of this._notebook.widgets) {
      if (cell instanceof CodeCell && !cell.isDisposed) {
        this._follow(cell);
        this.mark(cell);
      }
    }
  }

  /** Mark the outputs of one cell as they are now. */
  mark(cell: CodeCell): void {
    const area = cell.outputArea;
    const model = area.model;
    const children = area.widgets;
    const count = Math.min(model.length, children.length);
    for (let i = 0; i < count; i++) {
      const node = children[i].node;
      const kind = this._enabled() ? noteKind(model, i) : null;
      node.classList.toggle(NOTE_CLASS, kind !== null);
      if (kind) {
        node.dataset.reactiveKind = kind;
      } else {
        delete node.dataset.reactiveKind;
      }
    }
  }

  private _enabled(): boolean {
    return this._notebook.node.classList.contains('rk-mod-reactive');
  }

  private _follow(cell: CodeCell): void {
    const model = cell.outputArea.model;
    if (this._followed.has(model)) {
      return;
    }
    this._followed.add(model);
    // Connected after the output area's own handler: its child widgets exist by then.
    model.changed.connect(() => {
      if (!cell.isDisposed) {
        this.mark(cell);
      }
    });
  }

  private _notebook: Notebook;
  private _followed = new WeakSet<IOutputAreaModel>();
}

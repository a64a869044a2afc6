/**
 * Cell names in outputs (`cell [5] df = df.dropna()`) as links to the cell.
 *
 * Two forms are recognised: an HTML anchor the kernel sends
 * (`<a href="#reactive-cell=ID">`, or any element with `data-reactive-cell`),
 * and, in text outputs such as errors, the words `cell [N]` where N is the
 * prompt number of exactly one code cell here (when several cells show N, the
 * one whose first line follows the name).
 */

import type { Cell, ICodeCellModel } from '@jupyterlab/cells';
import type { Notebook } from '@jupyterlab/notebook';

export const LINK_PREFIX = '#reactive-cell=';
const LINK_CLASS = 'rk-CellLink';
const TARGET_CLASS = 'rk-mod-linkTarget';
const NAME = /cell \[(\d+)\]/g;

/** The cell id a clicked element links to, or null. */
function linkedCell(target: EventTarget | null): string | null {
  if (!(target instanceof Element)) {
    return null;
  }
  const element = target.closest(`[data-reactive-cell], a[href^="${LINK_PREFIX}"]`);
  if (!element || !element.closest('.jp-OutputArea')) {
    return null;
  }
  const id = element.getAttribute('data-reactive-cell');
  if (id) {
    return id;
  }
  const href = element.getAttribute('href') ?? '';
  return decodeURIComponent(href.slice(LINK_PREFIX.length)) || null;
}

/** Select the cell with `cellId` and scroll it into view; false when it is not here. */
export function goToCell(notebook: Notebook, cellId: string): boolean {
  const index = notebook.widgets.findIndex(w => w.model.id === cellId);
  if (index < 0) {
    return false;
  }
  const cell = notebook.widgets[index];
  notebook.mode = 'command';
  notebook.activeCellIndex = index;
  void notebook.scrollToCell(cell, 'center').then(() => flash(cell));
  return true;
}

function flash(cell: Cell): void {
  cell.node.classList.add(TARGET_CLASS);
  window.setTimeout(() => cell.node.classList.remove(TARGET_CLASS), 1500);
}

/** The first non-blank line of a cell's code, stripped. */
function firstLine(cell: Cell): string {
  const source = cell.model.sharedModel.getSource();
  return (source.split('\n').find(line => line.trim()) ?? '').trim();
}

/** The id of the code cell that `cell [N]` followed by `after` names, or null. */
function resolve(notebook: Notebook, count: number, after: string): string | null {
  const shown = notebook.widgets.filter(
    w =>
      w.model.type === 'code' &&
      (w.model as ICodeCellModel).executionCount === count
  );
  if (shown.length === 1) {
    return shown[0].model.id;
  }
  const text = after.replace(/^\s+/, '');
  const named = shown.filter(w => {
    const line = firstLine(w);
    const start = line.slice(0, Math.min(line.length, 12));
    return start.length > 0 && text.startsWith(start);
  });
  return named.length === 1 ? named[0].model.id : null;
}

/** How people see the cell with `cellId` here (`cell [5] df = df.dropna()`), or null when it is not here. */
function labelOf(notebook: Notebook, cellId: string): string | null {
  const cell = notebook.widgets.find(w => w.model.id === cellId);
  if (!cell) {
    return null;
  }
  const count = (cell.model as ICodeCellModel).executionCount;
  return `cell [${count ?? ' '}] ${firstLine(cell)}`.trim();
}

/** Turn the cell names in the text under `root` into links. */
function linkify(notebook: Notebook, root: Element): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node as Text;
    if (text.data.includes('cell [') && !text.parentElement?.closest('a')) {
      texts.push(text);
    }
  }
  for (const text of texts) {
    const data = text.data;
    const parts: (string | HTMLAnchorElement)[] = [];
    let last = 0;
    for (const match of data.matchAll(NAME)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      const id = resolve(notebook, Number(match[1]), data.slice(end));
      if (!id) {
        continue;
      }
      const link = document.createElement('a');
      link.className = LINK_CLASS;
      link.href = LINK_PREFIX + encodeURIComponent(id);
      link.dataset.reactiveCell = id;
      link.textContent = match[0];
      parts.push(data.slice(last, start), link);
      last = end;
    }
    if (parts.length) {
      parts.push(data.slice(last));
      text.replaceWith(...parts);
    }
  }
}

/** Click-to-cell for one notebook: link clicks, and linking names in new outputs. */
export class CellLinks {
  constructor(notebook: Notebook) {
    this._notebook = notebook;
    notebook.node.addEventListener('click', this._onClick, true);
    notebook.node.addEventListener('mouseover', this._onHover, true);
    this._observer = new MutationObserver(this._onMutations);
    this._observer.observe(notebook.node, { childList: true, subtree: true });
  }

  dispose(): void {
    this._notebook.node.removeEventListener('click', this._onClick, true);
    this._notebook.node.removeEventListener('mouseover', this._onHover, true);
    this._observer.disconnect();
  }

  /** Link the names in the outputs of these cells, as they are shown now. */
  linkCells(cellIds: string[]): void {
    const wanted = new Set(cellIds);
    for (const cell of this._notebook.widgets) {
      if (wanted.has(cell.model.id)) {
        cell.node
          .querySelectorAll('.jp-OutputArea-output')
          .forEach(output => linkify(this._notebook, output));
      }
    }
  }

  /** Link the names in every output shown now. */
  linkAll(): void {
    this._notebook.node
      .querySelectorAll('.jp-OutputArea-output')
      .forEach(output => linkify(this._notebook, output));
  }

  private _onClick = (event: MouseEvent): void => {
    const cellId = linkedCell(event.target);
    if (cellId && goToCell(this._notebook, cellId)) {
      event.preventDefault();
      event.stopPropagation();
    }
  };

  /** Hovering a link: its hover text names the cell as it is now (prompt numbers change as cells run). */
  private _onHover = (event: MouseEvent): void => {
    const cellId = linkedCell(event.target);
    const link = (event.target as Element).closest?.(`[data-reactive-cell], a[href^="${LINK_PREFIX}"]`);
    if (cellId && link) {
      const label = labelOf(this._notebook, cellId);
      link.setAttribute('title', label ? `go to ${label}` : 'this cell is no longer in the notebook');
    }
  };

  private _onMutations = (records: MutationRecord[]): void => {
    if (!this._notebook.node.classList.contains('rk-mod-reactive')) {
      return;
    }
    for (const record of records) {
      const target = record.target as Element;
      const output =
        target instanceof Element ? target.closest('.jp-OutputArea-output') : null;
      if (output) {
        this._pending.add(output);
        continue;
      }
      record.addedNodes.forEach(node => {
        if (node instanceof Element) {
          node
            .querySelectorAll('.jp-OutputArea-output')
            .forEach(found => this._pending.add(found));
          if (node.matches('.jp-OutputArea-output')) {
            this._pending.add(node);
          }
        }
      });
    }
    if (this._pending.size && !this._scheduled) {
      this._scheduled = true;
      window.requestAnimationFrame(() => {
        this._scheduled = false;
        const outputs = Array.from(this._pending);
        this._pending.clear();
        for (const output of outputs) {
          if (output.isConnected) {
            linkify(this._notebook, output);
          }
        }
      });
    }
  };

  private _notebook: Notebook;
  private _observer: MutationObserver;
  private _pending = new Set<Element>();
  private _scheduled = false;
}

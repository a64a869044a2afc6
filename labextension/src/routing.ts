/**
 * Cascade outputs that arrive under this window's request for the cell that
 * was run, but belong to another cell: moved into that cell's output area.
 *
 * The kernel publishes a re-run cell D's outputs under D's own earlier
 * request when that request came from this window (JupyterLab then renders
 * them in D by itself); otherwise under the current request, each tagged
 * `metadata.reactive = {kind, cell_id: D}` (after a heading for D). A
 * `CascadeRoute` hooks the current request's future, takes those messages
 * before the executed cell's output area sees them and applies them to D's
 * output model instead, so the screen and the saved notebook show every
 * output in its own cell.
 */

import type { ICodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { INotebookModel } from '@jupyterlab/notebook';
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { tagOf } from './protocol';
import type { IReport } from './protocol';

type ExecuteFuture = Kernel.IShellFuture<
  KernelMessage.IExecuteRequestMsg,
  KernelMessage.IExecuteReplyMsg
>;

const OUTPUT_TYPES = new Set([
  'stream',
  'display_data',
  'execute_result',
  'error',
  'clear_output'
]);

/** The code cell with id `cellId` in `notebook`, or null. */
export function findCodeCell(
  notebook: INotebookModel,
  cellId: string
): ICodeCellModel | null {
  for (const model of notebook.cells) {
    if (model.id === cellId) {
      return model.type === 'code' ? (model as ICodeCellModel) : null;
    }
  }
  return null;
}

/** The nbformat output an iopub output message stands for. */
function outputOf(msg: KernelMessage.IIOPubMessage): nbformat.IOutput | null {
  const content = msg.content as Record<string, any>;
  switch (msg.header.msg_type) {
    case 'stream':
      return { output_type: 'stream', name: content.name, text: content.text };
    case 'display_data':
      return {
        output_type: 'display_data',
        data: content.data,
        metadata: content.metadata ?? {}
      };
    case 'execute_result':
      return {
        output_type: 'execute_result',
        data: content.data,
        metadata: content.metadata ?? {},
        execution_count: content.execution_count ?? null
      };
    case 'error':
      return {
        output_type: 'error',
        ename: content.ename,
        evalue: content.evalue,
        traceback: content.traceback
      };
    default:
      return null;
  }
}

/** One request's routing: from its future's iopub messages to the cells they belong to. */
export class CascadeRoute {
  /**
   * Hook `future`, the request that runs `executed` in `notebook`.
   */
  constructor(notebook: INotebookModel, executed: string, future: ExecuteFuture) {
    this._notebook = notebook;
    this._executed = executed;
    this._msgId = future.msg.header.msg_id;
    future.registerMessageHook(this._hook);
  }

  /** The request's msg_id. */
  get msgId(): string {
    return this._msgId;
  }

  /** The cells whose outputs this request replaced. */
  get touched(): ReadonlySet<string> {
    return this._touched;
  }

  /**
   * After the reply: empty the re-run cells whose outputs were due under this
   * request but that published nothing, as a fresh run would show them.
   */
  finish(report: IReport | null): void {
    for (const entry of report?.cascade ?? []) {
      if (
        entry.msg_id === this._msgId &&
        (entry.status === 'ok' || entry.status === 'error') &&
        entry.cell_id !== this._executed &&
        !this._touched.has(entry.cell_id)
      ) {
        const model = findCodeCell(this._notebook, entry.cell_id);
        if (model) {
          this._touched.add(entry.cell_id);
          this._clear(entry.cell_id, model, false);
        }
      }
    }
  }

  /** The future's message hook: false when the message was moved to another cell. */
  private _hook = (msg: KernelMessage.IIOPubMessage): boolean => {
    const type = msg.header.msg_type;
    if (type === 'update_display_data') {
      return this._update(msg);
    }
    const tag = tagOf(msg);
    if (!tag) {
      // Untagged output after a heading belongs to the heading's cell.
      return this._scope && OUTPUT_TYPES.has(type)
        ? !this._deliver(this._scope, msg)
        : true;
    }
    const cellId = tag.cell_id;
    switch (tag.kind) {
      case 'heading':
        if (!cellId || cellId === this._executed) {
          this._scope = null;
          return cellId === undefined;
        }
        if (!this._target(cellId)) {
          this._scope = null;
          return true;
        }
        this._scope = cellId;
        return false;
      case 'output':
      case 'clear':
      case 'notice':
        if (!cellId || cellId === this._executed) {
          return true;
        }
        return !this._deliver(cellId, msg);
      default:
        return true;
    }
  };

  /**
   * The model of the cell whose outputs a message carries, emptied first the
   * first time this request writes to it; null when the cell is not here.
   */
  private _target(cellId: string, clearing = false): ICodeCellModel | null {
    const model = findCodeCell(this._notebook, cellId);
    if (model && !this._touched.has(cellId)) {
      this._touched.add(cellId);
      if (!clearing) {
        this._clear(cellId, model, false);
      }
    }
    return model;
  }

  /** Apply an output message to cell `cellId`; false when that cell is not in this notebook. */
  private _deliver(cellId: string, msg: KernelMessage.IIOPubMessage): boolean {
    const type = msg.header.msg_type;
    const model = this._target(cellId, type === 'clear_output');
    if (!model) {
      return false;
    }
    if (type === 'clear_output') {
      this._clear(cellId, model, !!(msg.content as any).wait);
      return true;
    }
    const output = outputOf(msg);
    if (!output) {
      return false;
    }
    const count = model.outputs.add(output);
    const displayId = (msg.content as any).transient?.display_id;
    if (displayId && type === 'display_data') {
      const shown = this._displays.get(displayId) ?? [];
      shown.push({ cellId, index: count - 1 });
      this._displays.set(displayId, shown);
    }
    return true;
  }

  private _clear(cellId: string, model: ICodeCellModel, wait: boolean): void {
    model.outputs.clear(wait);
    for (const [displayId, shown] of this._displays) {
      const kept = shown.filter(s => s.cellId !== cellId);
      if (kept.length) {
        this._displays.set(displayId, kept);
      } else {
        this._displays.delete(displayId);
      }
    }
  }

  /** An update of a display this request moved: updated where it now is. */
  private _update(msg: KernelMessage.IIOPubMessage): boolean {
    const content = msg.content as any;
    const shown = this._displays.get(content.transient?.display_id);
    if (!shown) {
      return true;
    }
    for (const { cellId, index } of shown) {
      const model = findCodeCell(this._notebook, cellId);
      if (model && index < model.outputs.length) {
        model.outputs.set(index, {
          output_type: 'display_data',
          data: content.data,
          metadata: content.metadata ?? {}
        });
      }
    }
    return false;
  }

  private _notebook: INotebookModel;
  private _executed: string;
  private _msgId: string;
  private _scope: string | null = null;
  private _touched = new Set<string>();
  private _displays = new Map<string, { cellId: string; index: number }[]>();
}

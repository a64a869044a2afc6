/**
 * The notebook cell executor: JupyterLab's own for other kernels; for the
 * reactive-python kernel, the same run with the notebook's cell order in the
 * request and the cascade's outputs and states put in their cells.
 */

import type { ISessionContext } from '@jupyterlab/apputils';
import { CodeCell } from '@jupyterlab/cells';
import type { Cell } from '@jupyterlab/cells';
import {
  INotebookCellExecutor,
  INotebookModel,
  KernelError,
  runCell as runCellAsUsual
} from '@jupyterlab/notebook';
import type { KernelMessage } from '@jupyterlab/services';
import { CELL_ORDER } from './protocol';
import type { ReactiveNotebooks } from './notebooks';

/** The ids of the notebook's code cells, top to bottom. */
export function codeCellOrder(notebook: INotebookModel): string[] {
  const ids: string[] = [];
  for (const model of notebook.cells) {
    if (model.type === 'code') {
      ids.push(model.id);
    }
  }
  return ids;
}

/** Apply a `set_next_input` payload of a reply, as JupyterLab does. */
function applyPayload(
  reply: KernelMessage.IExecuteReplyMsg,
  notebook: INotebookModel,
  cell: Cell
): void {
  const content = reply.content as KernelMessage.IExecuteReply;
  const next = (content.payload ?? []).find(
    (p: any) => p.source === 'set_next_input'
  ) as { text?: string; replace?: boolean } | undefined;
  if (!next || typeof next.text !== 'string') {
    return;
  }
  if (next.replace) {
    cell.model.sharedModel.setSource(next.text);
    return;
  }
  const cells = Array.from(notebook.cells);
  const index = cells.indexOf(cell.model);
  // Text from the kernel is not the user's: the new cell starts untrusted.
  notebook.sharedModel.insertCell(index === -1 ? cells.length : index + 1, {
    cell_type: 'code',
    source: next.text,
    metadata: { trusted: false }
  });
}

/** Runs cells; reactive-python notebooks get their order sent and their cascades routed. */
export class ReactiveCellExecutor implements INotebookCellExecutor {
  constructor(notebooks: ReactiveNotebooks) {
    this._notebooks = notebooks;
  }

  async runCell(options: INotebookCellExecutor.IRunCellOptions): Promise<boolean> {
    const { cell, sessionContext } = options;
    if (
      cell.model.type !== 'code' ||
      !sessionContext ||
      sessionContext.hasNoKernel ||
      sessionContext.isTerminating ||
      sessionContext.pendingInput ||
      !this._notebooks.isReactive(sessionContext)
    ) {
      return runCellAsUsual(options);
    }
    return this._run(cell as CodeCell, sessionContext, options);
  }

  private async _run(
    cell: CodeCell,
    sessionContext: ISessionContext,
    options: INotebookCellExecutor.IRunCellOptions
  ): Promise<boolean> {
    const { notebook, notebookConfig, onCellExecuted } = options;
    const deletedCells = notebook.deletedCells;
    options.onCellExecutionScheduled({ cell });
    const metadata = {
      deletedCells,
      recordTiming: notebookConfig.recordTiming,
      [CELL_ORDER]: codeCellOrder(notebook)
    };
    const previous = cell.outputArea.future;
    const execution = CodeCell.execute(cell, sessionContext, metadata);
    // CodeCell.execute sets the output area's future synchronously.
    const future = cell.outputArea.future;
    const request =
      future && future !== previous
        ? this._notebooks.started(notebook, cell, future)
        : null;

    let reply: KernelMessage.IExecuteReplyMsg | void;
    try {
      reply = await execution;
    } catch (reason: any) {
      request?.dispose();
      if (cell.isDisposed || String(reason?.message).startsWith('Canceled')) {
        return false;
      }
      onCellExecuted({ cell, success: false, error: reason });
      throw reason;
    }
    deletedCells.splice(0, deletedCells.length);
    if (cell.isDisposed) {
      request?.dispose();
      return false;
    }
    if (request && reply) {
      request.finish(reply);
    }
    request?.dispose();
    if (!reply || reply.content.status === 'ok') {
      if (reply) {
        applyPayload(reply, notebook, cell);
      }
      onCellExecuted({ cell, success: true });
      return true;
    }
    const error = new KernelError(reply.content);
    onCellExecuted({ cell, success: false, error });
    throw error;
  }

  private _notebooks: ReactiveNotebooks;
}

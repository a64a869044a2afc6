/**
 * reactive-kernel-jupyterlab: the companion plugin of the reactive-python
 * kernel for JupyterLab 4 and Notebook 7.
 *
 * - sends the notebook's code-cell order with every execute request;
 * - puts each re-run cell's outputs in that cell, also after a page reload
 *   or when the cell was last run from another window;
 * - shows each cell's reactive state (re-ran, stale, blocked, skipped,
 *   error) as a badge by its prompt;
 * - makes cell names in outputs links to the cell.
 *
 * Notebooks on other kernels run exactly as without the plugin.
 */

import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookCellExecutor, INotebookTracker } from '@jupyterlab/notebook';
import { ReactiveCellExecutor } from './executor';
import { ReactiveNotebooks } from './notebooks';

const notebooks = new ReactiveNotebooks();

/** Runs notebook cells; replaces `@jupyterlab/notebook-extension:cell-executor`. */
const executor: JupyterFrontEndPlugin<INotebookCellExecutor> = {
  id: 'reactive-kernel-jupyterlab:cell-executor',
  description:
    'Runs notebook cells; for the reactive-python kernel, with the notebook order and cascade routing.',
  autoStart: true,
  provides: INotebookCellExecutor,
  activate: (): INotebookCellExecutor => new ReactiveCellExecutor(notebooks)
};

/** Follows open notebooks for badges, links and tagged outputs. */
const tracker: JupyterFrontEndPlugin<void> = {
  id: 'reactive-kernel-jupyterlab:notebooks',
  description: 'Shows reactive cell states and links cell names in outputs.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker): void => {
    tracker.forEach(panel => notebooks.add(panel));
    tracker.widgetAdded.connect((_, panel) => notebooks.add(panel));
  }
};

export default [executor, tracker];

/**
 * The notebooks that run the reactive-python kernel, and what the plugin
 * keeps for each: its badges, its links, its requests in flight.
 */

import type { ISessionContext } from '@jupyterlab/apputils';
import type { CodeCell, ICodeCellModel } from '@jupyterlab/cells';
import type { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { Badges } from './badges';
import type { BadgeKind, ICellState } from './badges';
import { CellLinks } from './links';
import { Notes } from './notes';
import { IMPLEMENTATION, KERNEL_NAME, reportOf, tagOf } from './protocol';
import type { ICascadeEntry, IReport, Status } from './protocol';
import { CascadeRoute, findCodeCell } from './routing';

type ExecuteFuture = Kernel.IShellFuture<
  KernelMessage.IExecuteRequestMsg,
  KernelMessage.IExecuteReplyMsg
>;

const BADGE_OF: Partial<Record<Status, BadgeKind>> = {
  ok: 'reran',
  error: 'error',
  blocked: 'blocked',
  skipped: 'skipped',
  interrupted: 'interrupted',
  stale: 'stale'
};

/** Statuses of cells that ran, and so get a fresh prompt number. */
const RAN = new Set<Status>(['ok', 'error', 'interrupted']);

/** One execute request of this window, from send to reply. */
export interface IRequest {
  /** Route the reply's report: outputs that never came, badges, prompt numbers. */
  finish(reply: KernelMessage.IExecuteReplyMsg): void;
  dispose(): void;
}

/** Why an entry's cell is in the state its badge shows. */
function reasonOf(entry: ICascadeEntry, report: IReport): string {
  const cause = report.label || `cell ${report.cell_id}`;
  if (entry.status === 'ok' || entry.status === 'stale') {
    return `after ${cause} ran`;
  }
  return [entry.reason, entry.blocked_by ? `(${entry.blocked_by})` : '']
    .filter(Boolean)
    .join(' ');
}

/** What one open notebook panel has. */
class Tracked {
  constructor(panel: NotebookPanel, owner: ReactiveNotebooks) {
    this._owner = owner;
    this.panel = panel;
    this.badges = new Badges(panel.content);
    this.links = new CellLinks(panel.content);
    this.notes = new Notes(panel.content);
    const context = panel.sessionContext;
    context.iopubMessage.connect(this._onIopub, this);
    context.kernelChanged.connect(this._onKernel, this);
    this._onKernel();
    panel.content.modelChanged.connect(this._onModel, this);
    this._onModel();
    panel.content.cellInViewportChanged.connect(
      (_, cell) => this.badges.draw(cell),
      this
    );
    panel.disposed.connect(() => owner.remove(this));
  }

  get reactive(): boolean {
    return this._owner.isReactive(this.panel.sessionContext);
  }

  dispose(): void {
    this.links.dispose();
  }

  private _onKernel(): void {
    const kernel = this.panel.sessionContext.session?.kernel;
    if (kernel) {
      void this._owner.check(kernel).then(() => this._mark());
    }
    this._mark();
  }

  private _mark(): void {
    this.panel.content.node.classList.toggle('rk-mod-reactive', this.reactive);
    this.notes.markAll();
    if (this.reactive) {
      this.links.linkAll();
    }
  }

  private _onModel(): void {
    const model = this.panel.content.model;
    if (model && model !== this._model) {
      this._model = model;
      model.cells.changed.connect(() => {
        window.requestAnimationFrame(() => {
          this.badges.drawAll();
          this.notes.markAll();
        });
      }, this);
      window.requestAnimationFrame(() => this.notes.markAll());
    }
  }

  /**
   * Badges from the tags on iopub: a cell re-run, skipped, marked stale.
   * Only messages under this window's own requests count; the cell's own
   * run (a request still in flight for it) is not a re-run.
   */
  private _onIopub(_: ISessionContext, msg: KernelMessage.IMessage): void {
    const kernel = this.panel.sessionContext.session?.kernel;
    const tag = tagOf(msg);
    const parent = msg.parent_header as Partial<KernelMessage.IHeader>;
    if (!kernel || !tag?.cell_id || parent?.session !== kernel.clientId) {
      return;
    }
    const cellId = tag.cell_id;
    if (this._owner.runningCell(parent.msg_id ?? '') === cellId) {
      return;
    }
    const model = this.panel.content.model;
    const cell = model ? findCodeCell(model, cellId) : null;
    if (!cell) {
      return;
    }
    const current = this.badges.get(cellId);
    const now = new Date();
    let state: ICellState | null = null;
    switch (tag.kind) {
      case 'heading':
      case 'clear':
        state = { kind: 'reran', at: now };
        break;
      case 'output':
        if (msg.header.msg_type === 'error') {
          state = { kind: 'error', at: now };
        } else if (current?.kind !== 'error') {
          state = { kind: 'reran', at: current?.at ?? now };
        }
        break;
      case 'notice': {
        const kind = tag.status ? BADGE_OF[tag.status] : undefined;
        state = kind ? { kind, at: now } : null;
        break;
      }
      default:
        break;
    }
    if (state) {
      this.badges.set(cellId, state);
    }
    // Only a cell that ran takes the new prompt number: a clear_output also comes
    // before a notice for a cell that was skipped or marked stale.
    if (
      typeof tag.execution_count === 'number' &&
      (tag.kind === 'output' || tag.kind === 'heading')
    ) {
      cell.executionCount = tag.execution_count;
    }
  }

  readonly panel: NotebookPanel;
  readonly badges: Badges;
  readonly links: CellLinks;
  readonly notes: Notes;
  private _owner: ReactiveNotebooks;
  private _model: INotebookModel | null = null;
}

/** The reactive notebooks open in this window. */
export class ReactiveNotebooks {
  /** Start following a notebook panel. */
  add(panel: NotebookPanel): void {
    this._tracked.add(new Tracked(panel, this));
  }

  remove(tracked: Tracked): void {
    tracked.dispose();
    this._tracked.delete(tracked);
  }

  /** Whether the session runs the reactive-python kernel. */
  isReactive(sessionContext: ISessionContext): boolean {
    const kernel = sessionContext.session?.kernel;
    return (
      !!kernel && (kernel.name === KERNEL_NAME || this._reactive.has(kernel.id))
    );
  }

  /** Learn from the kernel's info whether it is a reactive kernel under another name. */
  async check(kernel: Kernel.IKernelConnection): Promise<void> {
    try {
      const info = await kernel.info;
      if (info.implementation === IMPLEMENTATION) {
        this._reactive.add(kernel.id);
      }
    } catch {
      // A kernel that never answers is not one we act on.
    }
  }

  /** The cell a request of this window in flight runs, if any. */
  runningCell(msgId: string): string | undefined {
    return this._running.get(msgId);
  }

  /** A request for `cell` was sent: follow it until its reply. */
  started(notebook: INotebookModel, cell: CodeCell, future: ExecuteFuture): IRequest {
    const cellId = cell.model.id;
    const route = new CascadeRoute(notebook, cellId, future);
    const msgId = route.msgId;
    this._running.set(msgId, cellId);
    const badges = () => this._badges(notebook);
    badges()?.set(cellId, null);
    return {
      finish: (reply: KernelMessage.IExecuteReplyMsg) => {
        const report = reportOf(reply);
        route.finish(report);
        if (report) {
          this._show(notebook, report, reply, badges());
          // Prompt numbers changed with the reply: names in these cells' outputs may now resolve.
          this._trackedOf(notebook)?.links.linkCells([
            report.cell_id,
            ...(report.cascade ?? []).map(entry => entry.cell_id)
          ]);
        }
      },
      dispose: () => {
        this._running.delete(msgId);
      }
    };
  }

  /** Badges and prompt numbers from a reply's report. */
  private _show(
    notebook: INotebookModel,
    report: IReport,
    reply: KernelMessage.IExecuteReplyMsg,
    badges: Badges | null
  ): void {
    const now = new Date();
    const content = reply.content as any;
    const own = BADGE_OF[report.status];
    if (own && own !== 'reran') {
      const reason =
        content.status === 'error' ? `${content.ename}: ${content.evalue}` : '';
      badges?.set(report.cell_id, { kind: own, at: now, reason });
    }
    for (const entry of report.cascade ?? []) {
      const model: ICodeCellModel | null = findCodeCell(notebook, entry.cell_id);
      const kind = BADGE_OF[entry.status];
      if (!model || !kind) {
        continue;
      }
      badges?.set(entry.cell_id, { kind, at: now, reason: reasonOf(entry, report) });
      if (RAN.has(entry.status)) {
        const count = entry.execution_count ?? content.execution_count;
        if (typeof count === 'number') {
          model.executionCount = count;
        }
      }
    }
  }

  private _badges(notebook: INotebookModel): Badges | null {
    return this._trackedOf(notebook)?.badges ?? null;
  }

  private _trackedOf(notebook: INotebookModel): Tracked | null {
    for (const tracked of this._tracked) {
      if (tracked.panel.content.model === notebook) {
        return tracked;
      }
    }
    return null;
  }

  private _tracked = new Set<Tracked>();
  private _reactive = new Set<string>();
  private _running = new Map<string, string>();
}

/**
 * The wire additions of the reactive-python kernel, as the plugin reads them.
 *
 * The kernel defines them in `reactive_kernel/core/protocol.py`; this file
 * mirrors the fields the plugin uses.
 */

import type { KernelMessage } from '@jupyterlab/services';

/** The kernelspec name and the `implementation` of the kernel's kernel_info_reply. */
export const KERNEL_NAME = 'reactive-python';
export const IMPLEMENTATION = 'reactive_kernel';

/** execute_request metadata key: the notebook's code-cell ids, top to bottom. */
export const CELL_ORDER = 'cellOrder';

/** The key under which the additions live in reply and iopub metadata. */
export const REACTIVE = 'reactive';

/** What happened to a cell. */
export type Status =
  | 'ok'
  | 'error'
  | 'blocked'
  | 'skipped'
  | 'interrupted'
  | 'stale'
  | 'registered';

/** What a tagged iopub message is. */
export type TagKind =
  | 'output'
  | 'clear'
  | 'heading'
  | 'notice'
  | 'summary'
  | 'progress';

/** `metadata.reactive` of an iopub message sent for a cascade. */
export interface ITag {
  kind: TagKind;
  cell_id?: string;
  label?: string;
  status?: Status;
  /** The prompt number the re-run cell shows, when the kernel sends it. */
  execution_count?: number;
}

/** One cell a request ran (or marked, or skipped) besides the executed cell. */
export interface ICascadeEntry {
  cell_id: string;
  status: Status;
  msg_id: string;
  label?: string;
  reason?: string;
  blocked_by?: string;
  execution_count?: number;
}

/** `execute_reply.metadata.reactive`: what one request did. */
export interface IReport {
  cell_id: string;
  status: Status;
  label?: string;
  registered?: boolean;
  cascade?: ICascadeEntry[];
  deleted?: string[];
}

const TAG_KINDS = new Set<string>([
  'output',
  'clear',
  'heading',
  'notice',
  'summary',
  'progress'
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The tag of an iopub message (message metadata first, then content metadata), or null. */
export function tagOf(msg: KernelMessage.IMessage): ITag | null {
  const content = msg.content as Record<string, unknown>;
  const holders = [msg.metadata, isObject(content) ? content.metadata : null];
  for (const holder of holders) {
    const data = isObject(holder) ? holder[REACTIVE] : null;
    if (isObject(data) && typeof data.kind === 'string') {
      return TAG_KINDS.has(data.kind) ? (data as unknown as ITag) : null;
    }
  }
  return null;
}

/** The report of an execute_reply, or null when the reply carries none. */
export function reportOf(reply: KernelMessage.IExecuteReplyMsg): IReport | null {
  const data = (reply.metadata as Record<string, unknown>)?.[REACTIVE];
  if (isObject(data) && typeof data.cell_id === 'string') {
    return data as unknown as IReport;
  }
  return null;
}

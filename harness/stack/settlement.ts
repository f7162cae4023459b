import type { Client, WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  finishedPipelineStatuses,
  pipelineStateQuery,
  videoWorkflowId,
  type FinishedPipelineStatus,
} from '../../src/shared/definitions';

export interface SettledVideo {
  mediaId: string;
  status: FinishedPipelineStatus;
  reason?: string;
  /** Workflow time when the video reached its status (ready, for completed ones). */
  settledAtMs: number;
}

/**
 * Waits until every video's pipeline reaches a final status, reading Temporal's
 * visibility (VodStatus search attribute) in one list call per round, then each
 * settled video's state once. Resolves with what settled by the deadline.
 */
export async function waitForSettlement(
  client: Client,
  mediaIds: readonly string[],
  options: { timeoutMs: number; pollMs?: number; onProgress?: (settled: number, total: number) => void },
): Promise<{ settled: Map<string, SettledVideo>; pending: string[] }> {
  const wanted = new Map(mediaIds.map((id) => [videoWorkflowId(id), id]));
  const settled = new Map<string, SettledVideo>();
  const deadline = Date.now() + options.timeoutMs;
  const statusList = finishedPipelineStatuses.map((s) => `"${s}"`).join(', ');
  while (settled.size < wanted.size && Date.now() < deadline) {
    const candidates: string[] = [];
    for await (const execution of client.workflow.list({
      query: `WorkflowType = 'videoPipeline' AND VodStatus IN (${statusList})`,
    })) {
      const mediaId = wanted.get(execution.workflowId);
      if (mediaId !== undefined && !settled.has(mediaId)) candidates.push(mediaId);
    }
    for (const mediaId of candidates) {
      const view = await client.workflow
        .getHandle(videoWorkflowId(mediaId))
        .query(pipelineStateQuery)
        .catch(() => undefined);
      if (view && (finishedPipelineStatuses as readonly string[]).includes(view.status)) {
        settled.set(mediaId, {
          mediaId,
          status: view.status as FinishedPipelineStatus,
          ...(view.reason ? { reason: view.reason } : {}),
          settledAtMs: view.settledAtMs ?? Date.now(),
        });
      }
    }
    options.onProgress?.(settled.size, wanted.size);
    if (settled.size < wanted.size) await sleep(options.pollMs ?? 500);
  }
  return { settled, pending: mediaIds.filter((id) => !settled.has(id)) };
}

/**
 * A run's history once every persisted signal is in it. Temporal keeps a signal that arrives
 * while a workflow task is running as a buffered event and writes it to the history only when
 * that task completes; reading too early would miss a signal the poller was right to
 * acknowledge. Waits (up to `timeoutMs`) until the run has no workflow task pending.
 */
export async function settledHistory(
  handle: WorkflowHandle,
  timeoutMs = 10_000,
): Promise<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>> {
  const deadline = Date.now() + timeoutMs;
  while ((await handle.describe()).raw.pendingWorkflowTask && Date.now() < deadline) await sleep(50);
  return handle.fetchHistory();
}

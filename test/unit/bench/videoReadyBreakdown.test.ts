import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { temporal } from '@temporalio/proto';
import { readyPhases } from '../../../bench/videoReadyBreakdown';
import { readRecordedHistory } from '../../harness/histories';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
let nextId = 1;
function event(eventType: number, ms: number, attributes: Record<string, unknown> = {}): HistoryEvent {
  // fromObject takes plain numbers where the generated types want Long.
  return temporal.api.history.v1.HistoryEvent.fromObject({
    eventId: nextId++,
    eventType,
    eventTime: at(ms),
    ...attributes,
  });
}
const signal = (ms: number) =>
  event(26, ms, { workflowExecutionSignaledEventAttributes: { signalName: 'vodEvent' } });
const scheduled = (ms: number, name: string) =>
  event(10, ms, { activityTaskScheduledEventAttributes: { activityType: { name } } });

test('a video wait splits into the server dispatching tasks and the worker running them', () => {
  nextId = 1;
  const publish = scheduled(10_190, 'publishVideoReady');
  const history = [
    signal(9_000), // an earlier event: the wait counts from the last one
    signal(10_000),
    event(5, 10_000), // workflow task scheduled
    event(6, 10_030), // started: 30 ms with the server
    event(7, 10_090), // completed: 60 ms with the worker (a local fetchPlayInfo inside)
    event(5, 10_120), // a second task, e.g. after a timer: 30 ms with the server
    event(6, 10_150),
    event(7, 10_190), // 40 ms with the worker
    publish,
    event(11, 10_210, { activityTaskStartedEventAttributes: { scheduledEventId: Number(publish.eventId) } }),
    event(12, 10_260, {
      activityTaskCompletedEventAttributes: { scheduledEventId: Number(publish.eventId) },
    }),
  ];
  const phases = readyPhases(history);
  assert.ok(phases);
  assert.equal(phases.signal_to_task_ms, 30);
  assert.equal(phases.task_to_publish_scheduled_ms, 160);
  assert.equal(phases.workflow_task_run_ms, 100);
  assert.equal(phases.workflow_tasks, 2);
  assert.equal(phases.publish_dispatch_ms, 20);
  assert.equal(phases.publish_run_ms, 50);
  assert.equal(phases.server_ms, 30 + 60 + 20);
  assert.equal(phases.worker_ms, 100 + 50);
  assert.equal(phases.server_ms + phases.worker_ms, 260);
});

test('a history whose webhook step has not started yet has no phases', () => {
  nextId = 1;
  assert.equal(
    readyPhases([signal(0), event(6, 10), event(7, 20), scheduled(20, 'publishVideoReady')]),
    null,
  );
});

test('over a recorded history the two shares add up to the whole wait', async () => {
  const { history } = await readRecordedHistory(
    path.join(__dirname, '../../../../test/fixtures/histories/completed-all-stages.json'),
  );
  const phases = readyPhases(history.events ?? []);
  assert.ok(phases, 'the recorded video reached its webhook');
  assert.equal(
    phases.server_ms + phases.worker_ms,
    phases.signal_to_task_ms + phases.task_to_publish_scheduled_ms + phases.publish_ms,
  );
  assert.ok(phases.workflow_task_run_ms > 0 && phases.publish_dispatch_ms >= 0);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerWindow } from '../../../bench/workerMetrics';

// The shape the SDK's Prometheus exporter serves: milliseconds, labels per namespace and task queue.
function scrape(tasks: number, taskMs: number, calls: number, callMs: number): string {
  return [
    '# TYPE temporal_workflow_task_execution_latency histogram',
    'temporal_workflow_task_execution_latency_bucket{namespace="n",task_queue="q",le="+Inf"} ' +
      String(tasks),
    `temporal_workflow_task_execution_latency_sum{namespace="n",task_queue="q"} ${tasks * taskMs}`,
    `temporal_workflow_task_execution_latency_count{namespace="n",task_queue="q"} ${tasks}`,
    `temporal_request_latency_sum{namespace="n",operation="RespondWorkflowTaskCompleted"} ${calls * callMs}`,
    `temporal_request_latency_count{namespace="n",operation="RespondWorkflowTaskCompleted"} ${calls}`,
    'temporal_request_latency_sum{namespace="n",operation="PollWorkflowTaskQueue"} 999999',
    'temporal_request_latency_count{namespace="n",operation="PollWorkflowTaskQueue"} 3',
  ].join('\n');
}

test('the means cover only the window between two scrapes, and each completion call its own operation', () => {
  const before = scrape(10, 100, 10, 50);
  const after = `${scrape(30, 40, 30, 20)}\n`;
  const w = workerWindow(before, after);
  assert.equal(w.workflow_tasks, 20);
  // (30×40 − 10×100) / 20 and (30×20 − 10×50) / 20
  assert.equal(w.workflow_task_execution_ms, 10);
  assert.equal(w.workflow_task_completion_call_ms, 5);
});

test('a metric the window did not observe has no mean rather than a zero', () => {
  const w = workerWindow(scrape(5, 10, 5, 10), scrape(5, 10, 5, 10));
  assert.equal(w.workflow_tasks, 0);
  assert.equal(w.workflow_task_execution_ms, null);
  assert.equal(w.activity_execution_ms, null);
  assert.equal(w.activities, 0);
});

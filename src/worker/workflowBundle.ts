import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * Webpack-bundles the workflow code once per process: on two cores a bundle takes
 * seconds, and every worker (and every replay test) in the process can share it.
 */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    // Reports each run's end to the worker's metrics through a sink (src/workflows/pipelineOutcomeInterceptor.ts).
    workflowInterceptorModules: [require.resolve('../workflows/pipelineOutcomeInterceptor')],
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  return bundle;
}

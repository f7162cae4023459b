import path from 'node:path';
import { builtinSteps } from '../workflows/builtinSteps';
import { buildStepGraph, type StepGraph } from '../workflows/stepGraph';
import { stepsOfModule } from '../workflows/withSteps';

/**
 * Loads a team's step module in the worker's own process, before bundling, so a mistake (no
 * `steps` export, a duplicate name, a cycle, an unknown dependency) stops the worker at start
 * with the module named, not later inside a workflow task.
 */
export function checkStepModule(stepsModule: string): StepGraph {
  const resolved = path.resolve(stepsModule);
  let exported: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(resolved);
  } catch (err) {
    throw new Error(
      `cannot load the step module ${resolved}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  try {
    return buildStepGraph([...builtinSteps, ...stepsOfModule(exported)]);
  } catch (err) {
    throw new Error(`step module ${resolved}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Loads a team's activity module: its exported functions become activities, named by export. */
export function loadActivityModule(activitiesModule: string): Record<string, unknown> {
  const resolved = path.resolve(activitiesModule);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(resolved) as Record<string, unknown>;
  const activities = Object.fromEntries(Object.entries(exported).filter(([, v]) => typeof v === 'function'));
  if (Object.keys(activities).length === 0) {
    throw new Error(`activity module ${resolved} exports no functions`);
  }
  return activities;
}

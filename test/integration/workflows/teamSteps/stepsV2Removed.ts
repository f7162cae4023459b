// What the docs warn against: V2 with archiveSource deleted outright instead of retired first.
// Replaying a V1 history that ran it must then fail (replay.test.ts proves the check is real).
import { steps as v2 } from './stepsV2';

export const steps = v2.filter((s) => s.name !== 'archiveSource');

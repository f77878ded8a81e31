import type { ResolvedProcesses } from '../config/jobs-config';

/** What the supervisor knows of one queue's pool at a tick. */
export interface PoolSample {
  /** Processes running or starting, not counting those being retired. */
  processes: number;
  /** Of those, processes still starting: no new one is added until they serve. */
  starting: number;
  /** Jobs ready to run. */
  waiting: number;
  /** How long the next job to run has waited (ms). */
  oldestWaitingMs: number;
  /** How long no job has been waiting (ms); 0 while some wait. */
  idleMs: number;
}

export interface ScalingDecision {
  change: 1 | -1;
  reason: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Whether to add or retire one process of a pool. Pure, so the policy is easy to test: one step
 * at a time, up while the next job has waited past `scaleUpAfterMs` (and no process is still
 * starting, since it may be about to take that job), down once nothing has waited for
 * `scaleDownAfterMs`, never past `min` or `max`.
 */
export function decideProcesses(
  sample: PoolSample,
  bounds: ResolvedProcesses,
): ScalingDecision | undefined {
  if (
    sample.processes < bounds.max &&
    sample.starting === 0 &&
    sample.waiting > 0 &&
    sample.oldestWaitingMs >= bounds.scaleUpAfterMs
  ) {
    return {
      change: 1,
      reason: `${sample.waiting} job(s) waiting, the next for ${seconds(sample.oldestWaitingMs)} (scaleUpAfterMs ${bounds.scaleUpAfterMs})`,
    };
  }
  if (
    sample.processes > bounds.min &&
    sample.waiting === 0 &&
    sample.idleMs >= bounds.scaleDownAfterMs
  ) {
    return {
      change: -1,
      reason: `no job waiting for ${seconds(sample.idleMs)} (scaleDownAfterMs ${bounds.scaleDownAfterMs})`,
    };
  }
  return undefined;
}

/** Delay before replacing a process that died: quick the first time, doubling while they keep dying. */
export function restartDelayMs(deathsInARow: number): number {
  return Math.min(
    RESTART_BASE_MS * 2 ** Math.max(0, deathsInARow - 1),
    RESTART_MAX_MS,
  );
}

const RESTART_BASE_MS = 250;
const RESTART_MAX_MS = 30_000;

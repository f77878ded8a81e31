import { Injectable } from '@nestjs/common';
import {
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { JobHandler, type JobContext } from 'nestjs-jobs';

/** What a `discovery` job needs. */
export class DiscoveryPayload {
  /** A subnet in CIDR notation, such as 10.0.0.0/24. */
  @IsString()
  @Matches(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, {
    message: 'subnet must be IPv4 CIDR notation, such as 10.0.0.0/24',
  })
  subnet: string;

  /** How long the scan takes, so the demo can show a slow job. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(60)
  seconds?: number;
}

const STEPS = 10;

/** Network discovery: slow (seconds), so it runs on its own queue and never holds up backups. */
@Injectable()
export class DiscoveryJobs {
  @JobHandler('discovery', { payload: DiscoveryPayload, queue: 'low_priority' })
  async discover(data: DiscoveryPayload, ctx: JobContext) {
    const seconds = data.seconds ?? 5;
    for (let step = 1; step <= STEPS; step++) {
      await pause((seconds * 1000) / STEPS, ctx.signal);
      await ctx.progress(step * (100 / STEPS));
    }
    const hosts = 2 + (hashOf(data.subnet) % 30);
    await ctx.log(`scanned ${data.subnet}: ${hosts} hosts answered`);
    return { subnet: data.subnet, hosts };
  }
}

/** Waits, but stops at once when the job is cancelled or times out (ctx.signal aborts). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  // The signal's reason is a string: 'timeout', 'shutdown' or the cancel reason.
  const stopped = () =>
    new Error(`discovery stopped: ${String(signal.reason)}`);
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(stopped());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(stopped());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function hashOf(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

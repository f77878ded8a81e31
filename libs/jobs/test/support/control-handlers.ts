import { Injectable } from '@nestjs/common';
import { JobHandler, type JobContext } from 'nestjs-jobs';
import { sleep } from './test-app';

/** In-process handlers for the job-control specs (timeouts, runAt, unique jobs, rate limits, concurrency). Call `reset()` before each test. */
@Injectable()
export class Handlers {
  static events: string[] = [];
  static inFlight = 0;
  static maxInFlight = 0;
  static starts: number[] = [];

  static reset(): void {
    Handlers.events = [];
    Handlers.inFlight = 0;
    Handlers.maxInFlight = 0;
    Handlers.starts = [];
  }

  @JobHandler('stubborn', { timeout: 300, attempts: 2 })
  async stubborn(_data: unknown, ctx: JobContext) {
    ctx.signal.addEventListener('abort', () =>
      Handlers.events.push(`aborted:${ctx.attempt}`),
    );
    // Ignores its signal on purpose: the slot must be freed anyway.
    await sleep(2_000);
    Handlers.events.push('stubborn finished');
    return 'too late';
  }

  @JobHandler('sleep')
  async sleep(data: { ms: number }) {
    Handlers.starts.push(Date.now());
    Handlers.inFlight++;
    Handlers.maxInFlight = Math.max(Handlers.maxInFlight, Handlers.inFlight);
    try {
      await sleep(data.ms);
    } finally {
      Handlers.inFlight--;
    }
    return 'slept';
  }

  @JobHandler('quick')
  quick() {
    return Date.now();
  }

  @JobHandler('polite')
  async polite(_data: unknown, ctx: JobContext) {
    Handlers.events.push('polite started');
    // Runs until its signal aborts, then gives up as a well-behaved long job should.
    await new Promise((_, reject) =>
      ctx.signal.addEventListener('abort', () => {
        Handlers.events.push(`polite aborted: ${ctx.signal.reason}`);
        reject(new Error(`stopped: ${ctx.signal.reason}`));
      }),
    );
  }
}

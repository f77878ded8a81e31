import { LogLines } from '../jobs.messages';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobHandlerRegistry } from '../job-handler.registry';
import { JobsQueueRegistry } from '../queues/jobs-queue.registry';
import { JobRouting } from '../queues/job-routing';
import type { JobSchedule } from '../interfaces/job-schedule.interface';
import { toSchedulerRepeat } from './repeat-options';

/** Scheduler ids we own start with this, so schedules made by other code are left alone. */
const ID_PREFIX = 'nestjs-jobs.';

/**
 * Registers the recurring jobs declared with `@JobHandler(name, { repeat })` as BullMQ job
 * schedulers, once per job name (upserts are idempotent, so any number of processes may start),
 * on the job's own queue, and removes schedules whose `repeat` was removed.
 */
@Injectable()
export class JobSchedules implements OnApplicationBootstrap {
  private readonly logger = new Logger('JobsModule');

  constructor(
    private readonly handlers: JobHandlerRegistry,
    private readonly queues: JobsQueueRegistry,
    private readonly routing: JobRouting,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.queues.atStartup('registering recurring jobs', () =>
      this.sync(),
    );
  }

  private async sync(): Promise<void> {
    const wanted = new Map<string, Set<string>>(
      this.queues.names().map((q) => [q, new Set<string>()]),
    );
    const upserts: Promise<unknown>[] = [];
    for (const handler of this.handlers.all()) {
      const { repeat } = handler.options;
      if (!repeat) continue;
      const queue = this.routing.queueOf(handler.name);
      const id = ID_PREFIX + handler.name;
      wanted.get(queue)!.add(id);
      // Validated at start-up by the explorer, so this is a repeat object here.
      const schedule = toSchedulerRepeat(repeat) as object;
      upserts.push(
        this.queues.get(queue).upsertJobScheduler(id, schedule, {
          name: handler.name,
          data: repeat.data ?? {},
          opts: {
            ...(handler.options.attempts !== undefined && {
              attempts: handler.options.attempts,
            }),
            ...(handler.options.backoff !== undefined && {
              backoff: handler.options.backoff,
            }),
          },
        }),
      );
    }
    if (upserts.length === 0 && !(await this.anyOwnSchedules())) return;
    await Promise.all(upserts);
    await this.removeStale(wanted);
  }

  /** Every recurring job we own, with its next run. */
  async list(): Promise<JobSchedule[]> {
    const out: JobSchedule[] = [];
    for (const queue of this.queues.names()) {
      for (const s of await this.queues.get(queue).getJobSchedulers()) {
        if (!s.key.startsWith(ID_PREFIX)) continue;
        out.push({
          name: s.name,
          queue,
          ...(s.every !== undefined &&
            s.every !== null && { every: Number(s.every) }),
          ...(s.pattern && { cron: s.pattern }),
          ...(s.tz && { tz: s.tz }),
          next: s.next ? new Date(s.next) : null,
        });
      }
    }
    return out;
  }

  private async anyOwnSchedules(): Promise<boolean> {
    const counts = await Promise.all(
      this.queues
        .names()
        .map((q) => this.queues.get(q).getJobSchedulersCount()),
    );
    return counts.some((n) => n > 0);
  }

  private async removeStale(wanted: Map<string, Set<string>>): Promise<void> {
    for (const [queue, ids] of wanted) {
      for (const s of await this.queues.get(queue).getJobSchedulers()) {
        if (s.key.startsWith(ID_PREFIX) && !ids.has(s.key)) {
          await this.queues.get(queue).removeJobScheduler(s.key);
          this.logger.log(LogLines.scheduleRemoved(s.name, queue));
        }
      }
    }
  }
}

import { Injectable } from '@nestjs/common';
import { JobHandler } from 'nestjs-jobs';

/**
 * The producer side of fixtures/worker-process.ts (and fixtures/fault-worker.ts's `work`): the same
 * job name on the same queue, so `JobService.enqueue({ name: 'work' })` routes as the worker does,
 * with no worker in this process.
 */
@Injectable()
export class Producer {
  @JobHandler('work')
  work() {}
}

import type { Queue } from 'bullmq';
import { getQueueToken } from 'nestjs-jobs';
import { JobsQueueRegistry } from '../src/queues/jobs-queue.registry';
import { readBacklogs, readWaiting } from '../src/monitoring/queue-stats';
import { createJobsApp, sleep } from './support/test-app';

jest.setTimeout(60_000);

describe('cost per queue', () => {
  it('reads the backlogs of all queues at once with the counts BullMQ gives', async () => {
    const t = await createJobsApp({
      queues: { default: 1, a: 1, b: 1 },
      workers: false,
    });
    try {
      const queue = (name: string) => t.app.get<Queue>(getQueueToken(name));
      const [d, a, b] = ['default', 'a', 'b'].map(queue);
      const added = Date.now();
      await a.addBulk(
        Array.from({ length: 3 }, (_, i) => ({ name: 'x', data: { i } })),
      );
      await a.add('x', {}, { priority: 2 });
      await b.add('x', {}, { priority: 1 });
      await b.add('x', {}, { delay: 60_000 });
      await sleep(50);
      const producer = t.app.get(JobsQueueRegistry).producer;

      const expected = await Promise.all(
        [d, a, b].map((q) => q.getJobCountByTypes('wait', 'prioritized')),
      );
      expect(expected).toEqual([0, 4, 1]);
      expect(await readWaiting([d, a, b], producer)).toEqual(expected);

      const backlogs = await readBacklogs([d, a, b], producer);
      expect(backlogs.map((x) => x.waiting)).toEqual(expected);
      // Only a has a job in its wait list (prioritized jobs are not ordered by age).
      expect(backlogs[0].oldestWaitingMs).toBe(0);
      expect(backlogs[1].oldestWaitingMs).toBeGreaterThanOrEqual(50);
      expect(backlogs[1].oldestWaitingMs).toBeLessThanOrEqual(
        Date.now() - added,
      );
      expect(backlogs[2].oldestWaitingMs).toBe(0);
      expect(await readWaiting([], producer)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

import { UnrecoverableError } from 'bullmq';
import { JobsError } from '../errors/jobs.error';
import { JobCancelledError } from '../errors/job-cancelled.error';
import { FinalFailure } from './final-failure';

describe('FinalFailure', () => {
  it('keeps JobCancelledError a JobsError while BullMQ sees an UnrecoverableError with the same name, message and stack', () => {
    const cancel = new JobCancelledError('operator pressed stop');
    expect(cancel).toBeInstanceOf(JobsError);
    expect(cancel).not.toBeInstanceOf(UnrecoverableError);
    const carried = new FinalFailure(cancel);
    // What job.shouldRetryJob reads: the class.
    expect(carried).toBeInstanceOf(UnrecoverableError);
    // What the failed event, failedReason and the stored stacktrace read.
    expect(carried.name).toBe('JobCancelledError');
    expect(carried.message).toBe('Job cancelled: operator pressed stop.');
    expect(carried.stack).toBe(cancel.stack);
    expect(carried.cause).toBe(cancel);
  });
});

/**
 * The worker side of a pool: how a process that the supervisor forked tells it that it is ready or
 * why it failed, and how it notices that the supervisor is gone. Messages travel over the IPC
 * channel `child_process.fork` opens, never through Redis, so they work while Redis is away.
 */

/** The command-line flag that carries the supervisor's id to the processes it starts. */
export const POOL_ARGUMENT = '--pool';

/** What a pool's process tells its supervisor. */
export type PoolChildMessage =
  | { type: 'nestjs-jobs:ready' }
  | { type: 'nestjs-jobs:boot-failed'; error: string };

export function isPoolChildMessage(
  message: unknown,
): message is PoolChildMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'nestjs-jobs:ready' || type === 'nestjs-jobs:boot-failed';
}

function send(message: PoolChildMessage): void {
  if (process.send && process.connected)
    process.send(message, undefined, {}, () => undefined);
}

export function reportReady(): void {
  send({ type: 'nestjs-jobs:ready' });
}

export function reportBootFailure(error: unknown): void {
  send({
    type: 'nestjs-jobs:boot-failed',
    error: (error as Error)?.message ?? String(error),
  });
}

/**
 * Stops this process, as SIGTERM would (Nest's shutdown hooks drain the workers), when the IPC
 * channel to the supervisor closes: the supervisor exited or was killed, even by kill -9. Without
 * it, no process would be left to stop this one, and it would keep taking jobs as an orphan.
 */
export function watchSupervisor(): void {
  if (!process.send) return;
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { checkAdminToken } from '../config/admin-options';
import type { JobsAdminOptions } from './jobs-admin-options.interface';

export const JOBS_ADMIN_OPTIONS = Symbol('JOBS_ADMIN_OPTIONS');

/** Checks the admin bearer token for `JobsAdminGuard`. Outside DI, use `createAdminTokenCheck`. */
@Injectable()
export class JobsAdminAuth {
  private readonly expected: Buffer;

  constructor(@Inject(JOBS_ADMIN_OPTIONS) options: JobsAdminOptions) {
    this.expected = digest(checkAdminToken(options));
  }

  /** `'ok'`, `'missing'` (no `Bearer` credentials: answer 401) or `'wrong'` (answer 403). */
  check(
    authorization: string | string[] | undefined,
  ): 'ok' | 'missing' | 'wrong' {
    const header = Array.isArray(authorization)
      ? authorization[0]
      : authorization;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) return 'missing';
    // Hashing first gives equal lengths, so the comparison leaks neither content nor length.
    return timingSafeEqual(digest(match[1]), this.expected) ? 'ok' : 'wrong';
  }
}

/** `'ok'`, `'missing'` (no `Bearer` credentials: answer 401) or `'wrong'` (answer 403) for an `Authorization` header. */
export type AdminTokenCheck = (
  authorization: string | string[] | undefined,
) => 'ok' | 'missing' | 'wrong';

/**
 * The admin API's token check for routes outside Nest's DI, such as a dashboard mount. The token is
 * checked as `JobsAdminModule` checks it (`JobsConfigurationError` if unusable); the comparison takes
 * constant time.
 * @example
 * const check = createAdminTokenCheck(process.env.JOBS_ADMIN_TOKEN!);
 * app.use('/admin/queues', (req, res, next) => (check(req.headers.authorization) === 'ok' ? next() : res.sendStatus(401)));
 */
export function createAdminTokenCheck(token: string): AdminTokenCheck {
  const auth = new JobsAdminAuth({ token });
  return (authorization) => auth.check(authorization);
}

const digest = (text: string) => createHash('sha256').update(text).digest();

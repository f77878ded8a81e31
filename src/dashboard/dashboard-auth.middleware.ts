import type { NextFunction, Request, Response } from 'express';
import type { AdminTokenCheck } from 'nestjs-jobs/admin';

/** The Basic-auth user name the dashboard accepts; the password is the admin token. */
export const DASHBOARD_USER = 'admin';
export const DASHBOARD_REALM = 'nestjs-jobs';

/**
 * Express middleware for the bull-board mount, with the admin API's credentials:
 * `Authorization: Bearer <token>` for scripts, or HTTP Basic (`admin` / `<token>`) so a browser prompts.
 * Missing or wrong Basic credentials: 401 with `WWW-Authenticate: Basic` (the browser asks again);
 * a wrong bearer token: 403, as the admin API answers.
 */
export function dashboardAuth(check: AdminTokenCheck) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? '';
    if (/^Bearer\s/i.test(header)) {
      if (check(header) === 'ok') return next();
      res
        .status(403)
        .type('text/plain')
        .send('The bearer token is not the admin token (JOBS_ADMIN_TOKEN).\n');
      return;
    }
    const password = basicPassword(header);
    // The admin check compares in constant time; it takes the secret in bearer form.
    if (password !== undefined && check(`Bearer ${password}`) === 'ok')
      return next();
    res
      .status(401)
      .set(
        'WWW-Authenticate',
        `Basic realm="${DASHBOARD_REALM}", charset="UTF-8"`,
      )
      .type('text/plain')
      .send(
        `Log in as "${DASHBOARD_USER}" with the admin token (JOBS_ADMIN_TOKEN) as password, or send "Authorization: Bearer <token>".\n`,
      );
  };
}

/** The password of `Basic base64(user:password)` when the user is DASHBOARD_USER, else undefined. */
function basicPassword(header: string): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.slice(0, colon) !== DASHBOARD_USER) return undefined;
  return decoded.slice(colon + 1);
}

import type { NextFunction, Request, Response } from 'express';

/** Methods that change nothing in bull-board: they need no proof of where the request came from. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Express middleware against cross-site request forgery on the bull-board mount. A browser re-sends a saved
 * Basic login with any request, also one a page on another site makes (a form POST needs no CORS preflight).
 * So every state-changing request (POST, PUT, PATCH, DELETE) must prove it comes from the dashboard's own
 * origin: its `Origin` header, else `Sec-Fetch-Site: same-origin`, else a `Referer` on this origin; none of
 * them is a refusal too (403). Its body must be JSON (415 otherwise): form and text/plain bodies are the
 * ones another site can send. A bearer-token request is a script's, not a browser's (a page cannot add an
 * `Authorization` header cross-site without a preflight, which fails), so it needs no origin proof.
 *
 * @param origins origins the dashboard is also reached at, e.g. `https://ops.example.com` behind a
 *   TLS-terminating proxy that rewrites the Host header; the request's own `protocol://host` always counts.
 */
export function dashboardSameOrigin(origins: readonly string[] = []) {
  const allowed = new Set(origins.map(originOf));
  return (req: Request, res: Response, next: NextFunction): void => {
    if (SAFE_METHODS.has(req.method)) return next();
    const own = `${req.protocol}://${req.headers.host ?? ''}`.toLowerCase();
    const isOurs = (origin: string | undefined) =>
      origin !== undefined && (origin === own || allowed.has(origin));
    const bearer = /^Bearer\s/i.test(req.headers.authorization ?? '');
    if (!bearer) {
      const origin = req.headers.origin;
      const proof =
        origin !== undefined
          ? isOurs(origin.toLowerCase())
          : req.headers['sec-fetch-site'] !== undefined
            ? req.headers['sec-fetch-site'] === 'same-origin'
            : isOurs(originOf(req.headers.referer ?? ''));
      if (!proof) {
        res.status(403).json({
          statusCode: 403,
          error: 'Forbidden',
          message:
            `Refused a cross-site ${req.method}: the dashboard changes queues only for requests from its own origin (${own}). ` +
            `Use the dashboard's own page, or send "Authorization: Bearer <token>" from a script.`,
        });
        return;
      }
    }
    const type = nonJsonBody(req);
    if (type !== undefined) {
      res.status(415).json({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: `The dashboard API takes JSON bodies only, got ${JSON.stringify(type)}. Send "Content-Type: application/json", or no body.`,
      });
      return;
    }
    next();
  };
}

/** `scheme://host[:port]` of a URL in lower case, or undefined when it is not an absolute http(s) URL. */
function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:'
      ? parsed.origin.toLowerCase()
      : undefined;
  } catch {
    return undefined;
  }
}

/** The content type of a request body that is not JSON (`'none'` for a body without one), else undefined. */
function nonJsonBody(req: Request): string | undefined {
  const type = req.headers['content-type'] ?? '';
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 ||
    req.headers['transfer-encoding'] !== undefined;
  if (!type) return hasBody ? 'none' : undefined;
  const media = type.split(';')[0].trim().toLowerCase();
  return media === 'application/json' ? undefined : type;
}

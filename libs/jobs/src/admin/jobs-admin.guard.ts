import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { Messages } from '../jobs.messages';
import { JobsAdminAuth } from './jobs-admin-auth';

type Headers = Record<string, string | string[] | undefined>;

/**
 * Lets a request through only with the admin bearer token (401 without credentials, 403 with wrong
 * ones) and, for a request that carries a body, only a JSON one (415): form and text/plain bodies are
 * what a cross-site page can send without a CORS preflight, so the API never takes them.
 */
@Injectable()
export class JobsAdminGuard implements CanActivate {
  constructor(private readonly auth: JobsAdminAuth) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<{ method: string; headers: Headers }>();
    const verdict = this.auth.check(request.headers.authorization);
    if (verdict === 'missing') {
      http
        .getResponse<{ setHeader?(name: string, value: string): void }>()
        .setHeader?.('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException(
        'Missing credentials: send the admin token as "Authorization: Bearer <token>".',
      );
    }
    if (verdict === 'wrong')
      throw new ForbiddenException(
        'The bearer token is not the admin token configured in JobsAdminModule.',
      );
    const contentType = nonJsonBody(request.method, request.headers);
    if (contentType !== undefined)
      throw new UnsupportedMediaTypeException(
        Messages.adminJsonOnly(contentType),
      );
    return true;
  }
}

/** The content type of a body that is not JSON (`'none'` when a body has no type), else undefined. */
export function nonJsonBody(
  method: string,
  headers: Headers,
): string | undefined {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS')
    return undefined;
  const type = String(headers['content-type'] ?? '');
  const hasBody =
    Number(headers['content-length'] ?? 0) > 0 ||
    headers['transfer-encoding'] !== undefined;
  if (!type) return hasBody ? 'none' : undefined;
  const media = type.split(';')[0].trim().toLowerCase();
  return media === 'application/json' ||
    /^application\/[a-z0-9.+-]+\+json$/.test(media)
    ? undefined
    : type;
}

import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { JobsAdminAuth } from './jobs-admin-auth';

/** Lets a request through only with the admin bearer token: 401 without credentials, 403 with wrong ones. */
@Injectable()
export class JobsAdminGuard implements CanActivate {
  constructor(private readonly auth: JobsAdminAuth) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const verdict = this.auth.check(request.headers.authorization);
    if (verdict === 'ok') return true;
    if (verdict === 'missing') {
      http.getResponse<{ setHeader?(name: string, value: string): void }>().setHeader?.('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('Missing credentials: send the admin token as "Authorization: Bearer <token>".');
    }
    throw new ForbiddenException('The bearer token is not the admin token configured in JobsAdminModule.');
  }
}

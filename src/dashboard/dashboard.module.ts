import { DynamicModule, Module } from '@nestjs/common';
import {
  BullBoardModule,
  type BullBoardModuleOptions,
} from '@bull-board/nestjs';
import { ExpressAdapter } from '@bull-board/express';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { createAdminTokenCheck } from 'nestjs-jobs/admin';
import { dashboardAuth } from './dashboard-auth.middleware';
import { dashboardSameOrigin } from './dashboard-same-origin.middleware';

export interface DashboardOptions {
  /** Where bull-board is served, without a leading slash. */
  route?: string;
  /** The admin token (the same as JobsAdminModule's). */
  token: string;
  /** Every configured queue, so the board shows them all. */
  queues: string[];
  /**
   * Public origins the dashboard is reached at besides the request's own `protocol://host`, such as
   * `https://ops.example.com` behind a TLS-terminating reverse proxy. State-changing requests from any
   * other origin are refused (see dashboard-same-origin.middleware.ts).
   */
  origins?: string[];
}

/**
 * bull-board at `/admin/queues` over the library's queues, which it finds through `getQueueToken(name)`.
 * The auth and same-origin middleware go in bull-board's own `middleware` option: they are applied in the
 * same `consumer.apply(...)` as bull-board's router, so they cover exactly the paths the router serves.
 * The token follows JobsAdminModule's rule (createAdminTokenCheck refuses one under 16 characters at boot).
 */
@Module({})
export class DashboardModule {
  static register({
    route = 'admin/queues',
    token,
    queues,
    origins = [],
  }: DashboardOptions): DynamicModule {
    for (const origin of origins) {
      if (!/^https?:\/\/[^/?#\s]+$/i.test(origin)) {
        throw new Error(
          `Dashboard origin ${JSON.stringify(origin)} is not an origin: give scheme://host[:port] with no path, e.g. https://ops.example.com.`,
        );
      }
    }
    return {
      module: DashboardModule,
      imports: [
        BullBoardModule.forRoot({
          route,
          // @bull-board/express 9.10.1 (the latest) pins its own @bull-board/api 9.10.1, while
          // @bull-board/nestjs needs ^9.10.2: same shape, two declarations, so tsc needs the cast.
          adapter:
            ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
          // Credentials first (401/403), then same-origin proof and JSON bodies for anything that changes state.
          middleware: [
            dashboardAuth(createAdminTokenCheck(token)),
            dashboardSameOrigin(origins),
          ],
          boardOptions: { uiConfig: { boardTitle: 'nestjs-jobs' } },
        }),
        ...queues.map((name) =>
          BullBoardModule.forFeature({ name, adapter: BullMQAdapter }),
        ),
      ],
    };
  }
}

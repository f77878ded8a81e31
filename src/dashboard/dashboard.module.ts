import { DynamicModule, Module } from '@nestjs/common';
import { BullBoardModule, type BullBoardModuleOptions } from '@bull-board/nestjs';
import { ExpressAdapter } from '@bull-board/express';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { JobsAdminAuth } from 'nestjs-jobs';
import { dashboardAuth } from './dashboard-auth.middleware';

export interface DashboardOptions {
  /** Where bull-board is served, without a leading slash. */
  route?: string;
  /** The admin token (the same as JobsAdminModule's). */
  token: string;
  /** Every configured queue, so the board shows them all. */
  queues: string[];
}

/**
 * bull-board at `/admin/queues` over the library's queues, which it finds through `getQueueToken(name)`.
 * The auth middleware goes in bull-board's own `middleware` option: it is applied in the same
 * `consumer.apply(...)` as bull-board's router, so it covers exactly the paths the router serves.
 */
@Module({})
export class DashboardModule {
  static register({ route = 'admin/queues', token, queues }: DashboardOptions): DynamicModule {
    return {
      module: DashboardModule,
      imports: [
        BullBoardModule.forRoot({
          route,
          // @bull-board/express 9.10.1 (the latest) pins its own @bull-board/api 9.10.1, while
          // @bull-board/nestjs needs ^9.10.2: same shape, two declarations, so tsc needs the cast.
          adapter: ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
          middleware: dashboardAuth(new JobsAdminAuth({ token })),
          boardOptions: { uiConfig: { boardTitle: 'nestjs-jobs' } },
        }),
        ...queues.map((name) => BullBoardModule.forFeature({ name, adapter: BullMQAdapter })),
      ],
    };
  }
}

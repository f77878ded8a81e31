import { DynamicModule, Module, Provider } from '@nestjs/common';
import { Messages } from '../jobs.messages';
import { JobsConfigurationError } from '../errors/jobs-configuration.error';
import { createJobsAdminController } from './jobs-admin.controller';
import { checkToken, JOBS_ADMIN_OPTIONS, JobsAdminAuth } from './jobs-admin-auth';
import { JobsAdminGuard } from './jobs-admin.guard';
import { JobsAdminService } from './jobs-admin.service';
import type { JobsAdminAsyncOptions, JobsAdminMount, JobsAdminOptions } from './jobs-admin-options.interface';

const DEFAULT_PATH = 'admin/jobs';

/**
 * Opt-in REST admin API over `JobsModule`'s queues: stats, jobs by status, job detail, retry,
 * cancel, pause/resume, live workers. Every route needs the bearer token.
 * @example
 * JobsAdminModule.register({ path: 'admin/jobs', token: process.env.JOBS_ADMIN_TOKEN! })
 */
@Module({})
export class JobsAdminModule {
  static register(options: JobsAdminOptions & JobsAdminMount): DynamicModule {
    const { path, ...rest } = options ?? ({} as JobsAdminOptions);
    // Checked now, before JobsModule opens any connection, so a bad token cannot leave one open.
    checkToken(rest);
    return JobsAdminModule.build(path, [{ provide: JOBS_ADMIN_OPTIONS, useValue: rest }]);
  }

  /** The token from a factory (e.g. `ConfigService`); the path is given here, as routes are fixed at boot. */
  static registerAsync(options: JobsAdminAsyncOptions & JobsAdminMount): DynamicModule {
    const provider: Provider = { provide: JOBS_ADMIN_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] };
    return JobsAdminModule.build(options.path, [provider], options.imports);
  }

  private static build(path: string | undefined, providers: Provider[], imports: DynamicModule['imports'] = []): DynamicModule {
    const mount = path ?? DEFAULT_PATH;
    if (typeof mount !== 'string' || !/^\/?[A-Za-z0-9_.~:-]+(\/[A-Za-z0-9_.~:-]+)*\/?$/.test(mount)) {
      throw new JobsConfigurationError(Messages.invalidAdminPath(mount));
    }
    return {
      module: JobsAdminModule,
      imports,
      controllers: [createJobsAdminController(mount)],
      providers: [...providers, JobsAdminAuth, JobsAdminGuard, JobsAdminService],
      exports: [JobsAdminAuth, JobsAdminGuard],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { assertAsyncOptions } from '../utils/async-options';
import { JobsHealthIndicator } from './jobs-health.indicator';
import { ConfigurableJobsHealthModule } from './jobs-health-module-definition';
import type {
  JobsHealthAsyncOptions,
  JobsHealthMount,
  JobsHealthOptions,
} from './jobs-health-options.interface';

/**
 * Provides `JobsHealthIndicator` for `@nestjs/terminus` (an optional peer; import from
 * `nestjs-jobs/health`), and with `path` a ready-made check route answering 200 or 503.
 * @example
 * JobsHealthModule.register({ path: 'health', timeoutMs: 500 })
 */
@Module({
  imports: [TerminusModule],
  providers: [JobsHealthIndicator],
  exports: [JobsHealthIndicator],
})
export class JobsHealthModule extends ConfigurableJobsHealthModule {
  static register(
    options: JobsHealthOptions & JobsHealthMount = {},
  ): DynamicModule {
    return super.register(options);
  }

  /**
   * Options from `useFactory`, `useClass` or `useExisting` (e.g. a timeout from `ConfigService`);
   * `path` is given here, as routes are fixed at boot.
   * @example
   * JobsHealthModule.registerAsync({ path: 'health', inject: [ConfigService], useFactory: (c: ConfigService) => ({ timeoutMs: c.get('HEALTH_TIMEOUT_MS') }) })
   */
  static registerAsync(options: JobsHealthAsyncOptions): DynamicModule {
    assertAsyncOptions(
      'JobsHealthModule.registerAsync',
      'createJobsHealthOptions',
      options,
    );
    return super.registerAsync(options);
  }
}

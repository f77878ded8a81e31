import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bull-shared';
import { JOBS_CONFIG } from './jobs.constants';
import { Messages } from './jobs.messages';
import { JobsMetadataAccessor } from './jobs-metadata.accessor';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobsQueueRegistry } from './queues/jobs-queue.registry';
import { JobsConfigurationError } from './errors/jobs-configuration.error';
import { checkHandlerOptions } from './utils/enqueue-options';
import { PayloadValidator } from './payload/payload-validator';
import { toSchedulerRepeat } from './schedules/repeat-options';
import type { JobsConfig } from './config/jobs-config';

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Finds every `@JobHandler` method among the app's providers and controllers at start-up and
 * checks that handlers and routes agree with the configured queues.
 */
@Injectable()
export class JobsExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: JobsMetadataAccessor,
    private readonly registry: JobHandlerRegistry,
    private readonly queues: JobsQueueRegistry,
    private readonly payloads: PayloadValidator,
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      const providers = this.discovery.getProviders();
      this.checkQueueTokens(providers);
      const wrappers = [...providers, ...this.discovery.getControllers()];
      for (const wrapper of wrappers) this.explore(wrapper);
      this.checkAgainstConfig();
    } catch (error) {
      // Nest's app.close() does nothing after a failed init, so release Redis here, or an app
      // that catches the start-up error would never exit.
      await this.queues.onApplicationShutdown();
      throw error;
    }
  }

  private explore(wrapper: InstanceWrapper): void {
    const { metatype } = wrapper;
    // A provider or controller, whose methods are looked up by name.
    type Methods = Record<string, unknown>;
    const instance = wrapper.instance as Methods | null | undefined;
    const prototype = (
      instance ? Object.getPrototypeOf(instance) : metatype?.prototype
    ) as Methods | null | undefined;
    if (!prototype || prototype === Object.prototype) return;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const metadata = this.accessor.getJobHandlerMetadata(
        prototype[methodName],
      );
      if (!metadata) continue;
      const where = `${metatype?.name ?? wrapper.name}.${methodName}`;
      // A request-scoped provider has no instance to call outside an HTTP request.
      if (!wrapper.isDependencyTreeStatic() || !instance) {
        throw new JobsConfigurationError(
          Messages.requestScopedHandler(metadata.name, where),
        );
      }
      const method = instance[methodName] as (
        data: unknown,
        ctx: unknown,
      ) => unknown;
      this.registry.register({
        name: metadata.name,
        options: metadata.options,
        where,
        // Not an async wrapper: resolving its promise with the handler's costs extra ticks per job.
        invoke: (data, ctx) => {
          try {
            return Promise.resolve(method.call(instance, data, ctx));
          } catch (error) {
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what the handler threw, as is; InFlightJobs.run makes an Error of it
            return Promise.reject(error);
          }
        },
      });
    }
  }

  /**
   * `@InjectQueue(name)` of a configured queue must give this module's queue. Another module that
   * registers the same token (`BullModule.registerQueue({ name })`) would silently take it over,
   * with its own connection and prefix, so enqueued jobs and workers would part ways.
   */
  private checkQueueTokens(providers: InstanceWrapper[]): void {
    const ours = new Map(
      [...this.config.queues.keys()].map((name) => [getQueueToken(name), name]),
    );
    for (const wrapper of providers) {
      const queue =
        typeof wrapper.token === 'string' ? ours.get(wrapper.token) : undefined;
      const owner = wrapper.host?.metatype?.name;
      if (queue !== undefined && owner !== 'JobsModule') {
        throw new JobsConfigurationError(
          Messages.queueTokenTakenOver(queue, owner ?? 'another module'),
        );
      }
    }
  }

  private checkAgainstConfig(): void {
    const queues = this.config.queues;
    for (const handler of this.registry.all()) {
      const fail = (problem: string) => {
        throw new JobsConfigurationError(
          Messages.invalidHandlerOptions(handler.name, handler.where, problem),
        );
      };
      try {
        checkHandlerOptions(handler.name, handler.options);
        if (handler.options.repeat !== undefined) {
          const repeat = toSchedulerRepeat(handler.options.repeat);
          if (typeof repeat === 'string') fail(repeat);
          this.payloads.checkForEnqueue(
            handler.name,
            handler.options.repeat.data ?? {},
            handler.options.payload,
          );
        }
      } catch (error) {
        if (error instanceof JobsConfigurationError) throw error;
        fail((error as Error).message);
      }
      const queue = handler.options.queue;
      if (queue !== undefined && !queues.has(queue)) {
        throw new JobsConfigurationError(
          Messages.unconfiguredQueueOption(
            `@JobHandler('${handler.name}') option queue on ${handler.where}`,
            queue,
            queues.keys(),
          ),
        );
      }
    }
    for (const jobName of this.config.routes.keys()) {
      if (!this.registry.get(jobName)) {
        throw new JobsConfigurationError(
          Messages.routeWithoutHandler(jobName, this.registry.names()),
        );
      }
    }
  }
}

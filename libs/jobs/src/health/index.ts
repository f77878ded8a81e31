// `nestjs-jobs/health`: a separate entry point, so apps without @nestjs/terminus can import `nestjs-jobs`.
import { assertOptionalPeer } from '../utils/optional-peer';

// Before the exports below load @nestjs/terminus: a missing peer gets a message with the install command.
assertOptionalPeer('nestjs-jobs/health', '@nestjs/terminus');

/** Provides `JobsHealthIndicator`, and optionally a health route. */
export { JobsHealthModule } from './jobs-health.module';
/** Terminus indicator: Redis answers PING in time and every queue this process serves has a running worker. */
export { JobsHealthIndicator } from './jobs-health.indicator';
/** Options of `register` / `registerAsync`: the factory's options, the import-time `path`, and the `useClass` contract. */
export type {
  JobsHealthOptions,
  JobsHealthMount,
  JobsHealthAsyncOptions,
  JobsHealthOptionsFactory,
} from './jobs-health-options.interface';

// `nestjs-jobs/metrics`: a separate entry point, so apps without prom-client can import `nestjs-jobs`.
import { assertOptionalPeer } from '../utils/optional-peer';

// Before the exports below load prom-client: a missing peer gets a message with the install command.
assertOptionalPeer('nestjs-jobs/metrics', 'prom-client');

/** Prometheus metrics of the queues and jobs, with a `/metrics` route. */
export { JobsMetricsModule } from './jobs-metrics.module';
/** The metrics provider: its `registry`, and `metrics()` for the text format. */
export { JobsMetrics } from './jobs-metrics.service';
/** Options of `register` / `registerAsync`: the factory's options, the import-time `path`, and the `useClass` contract. */
export type {
  JobsMetricsOptions,
  JobsMetricsMount,
  JobsMetricsAsyncOptions,
  JobsMetricsOptionsFactory,
} from './jobs-metrics-options.interface';

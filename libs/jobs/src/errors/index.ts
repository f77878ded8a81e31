export * from './jobs.error';
export * from './unknown-queue.error';
export * from './unknown-job.error';
export * from './job-validation.error';
export * from './duplicate-job-handler.error';
export * from './jobs-configuration.error';
export * from './jobs-connection.error';

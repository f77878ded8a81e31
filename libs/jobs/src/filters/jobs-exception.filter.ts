import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpStatus,
} from '@nestjs/common';
import { JobValidationError } from '../errors/job-validation.error';
import { JobsConnectionError } from '../errors/jobs-connection.error';
import { UnknownJobError } from '../errors/unknown-job.error';
import { UnknownQueueError } from '../errors/unknown-queue.error';

/** The errors `JobsExceptionFilter` answers; any other error goes on to Nest's own handling. */
export type JobsHttpError =
  | JobValidationError
  | UnknownJobError
  | UnknownQueueError
  | JobsConnectionError;

/** What Express's response and Fastify's reply have for this (Express's `header` is an alias of `set`). */
type HttpResponse =
  | {
      header(name: string, value: string): unknown;
      status(code: number): { json(body: unknown): unknown };
      json: unknown;
    }
  | {
      header(name: string, value: string): unknown;
      code(code: number): { send(body: unknown): unknown };
    };

/**
 * Answers `JobService` errors in HTTP routes the way they should reach a client: the caller's
 * mistakes (`JobValidationError`, `UnknownJobError`, `UnknownQueueError`) are 400 with the library's
 * message, which names the problem and the fix; Redis not answering (`JobsConnectionError`) is 503
 * with `Retry-After`, since nothing was enqueued and a retry may work. Without it they are 500s.
 * Body: `{ statusCode, error, message }`. Works on Express and Fastify.
 * @example
 * // every route of the app:
 * providers: [{ provide: APP_FILTER, useClass: JobsExceptionFilter }]
 * // or one controller:
 * @UseFilters(JobsExceptionFilter)
 */
@Catch(
  JobValidationError,
  UnknownJobError,
  UnknownQueueError,
  JobsConnectionError,
)
export class JobsExceptionFilter implements ExceptionFilter<JobsHttpError> {
  /** Seconds in the 503's `Retry-After`. Override in a subclass to change it. */
  protected readonly retryAfterSeconds: number = 5;

  catch(error: JobsHttpError, host: ArgumentsHost): void {
    const unavailable = error instanceof JobsConnectionError;
    const status = unavailable
      ? HttpStatus.SERVICE_UNAVAILABLE
      : HttpStatus.BAD_REQUEST;
    const body = {
      statusCode: status,
      error: error.name,
      message: error.message,
    };
    const response = host.switchToHttp().getResponse<HttpResponse>();
    if (unavailable)
      response.header('Retry-After', String(this.retryAfterSeconds));
    // Fastify's reply has `status` too, but no `json`.
    if ('json' in response && typeof response.json === 'function')
      response.status(status).json(body);
    else if ('code' in response) response.code(status).send(body);
  }
}

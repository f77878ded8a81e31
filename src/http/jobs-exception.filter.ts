import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { JobValidationError, JobsConnectionError, UnknownJobError, UnknownQueueError } from 'nestjs-jobs';

type MappedError = UnknownJobError | UnknownQueueError | JobValidationError | JobsConnectionError;

/**
 * Turns the library's errors into HTTP answers: the caller's mistakes are 400 with the library's
 * message (it names the problem and the fix), an unreachable Redis is 503 so clients retry later.
 */
@Catch(UnknownJobError, UnknownQueueError, JobValidationError, JobsConnectionError)
export class JobsExceptionFilter implements ExceptionFilter {
  catch(error: MappedError, host: ArgumentsHost) {
    const status = error instanceof JobsConnectionError ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.BAD_REQUEST;
    host.switchToHttp().getResponse<Response>().status(status).json({ statusCode: status, error: error.name, message: error.message });
  }
}

import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpStatus,
} from '@nestjs/common';
import { JobsError } from '../errors/jobs.error';
import { JobsConnectionError } from '../errors/jobs-connection.error';

/** Library errors as HTTP answers: Redis away is 503, anything else the caller sent wrong is 400. */
@Catch(JobsError)
export class JobsAdminExceptionFilter implements ExceptionFilter {
  catch(error: JobsError, host: ArgumentsHost): void {
    const status =
      error instanceof JobsConnectionError
        ? HttpStatus.SERVICE_UNAVAILABLE
        : HttpStatus.BAD_REQUEST;
    const response = host.switchToHttp().getResponse();
    const body = {
      statusCode: status,
      error: error.name,
      message: error.message,
    };
    // Express and Fastify both: Nest's own filters go through the adapter the same way.
    if (
      typeof response.status === 'function' &&
      typeof response.json === 'function'
    )
      response.status(status).json(body);
    else response.code(status).send(body);
  }
}

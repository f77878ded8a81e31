import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpStatus,
} from '@nestjs/common';
import { JobsError } from '../errors/jobs.error';
import { JobsConnectionError } from '../errors/jobs-connection.error';

/** The two reply shapes Nest's HTTP adapters hand a filter. */
interface ExpressResponse {
  status(code: number): { json(body: unknown): unknown };
  json(body: unknown): unknown;
}
interface FastifyReply {
  code(code: number): { send(body: unknown): unknown };
}

const isExpressResponse = (
  response: ExpressResponse | FastifyReply,
): response is ExpressResponse =>
  typeof (response as Partial<ExpressResponse>).status === 'function' &&
  typeof (response as Partial<ExpressResponse>).json === 'function';

/** Library errors as HTTP answers: Redis away is 503, anything else the caller sent wrong is 400. */
@Catch(JobsError)
export class JobsAdminExceptionFilter implements ExceptionFilter {
  catch(error: JobsError, host: ArgumentsHost): void {
    const status =
      error instanceof JobsConnectionError
        ? HttpStatus.SERVICE_UNAVAILABLE
        : HttpStatus.BAD_REQUEST;
    const response = host
      .switchToHttp()
      .getResponse<ExpressResponse | FastifyReply>();
    const body = {
      statusCode: status,
      error: error.name,
      message: error.message,
    };
    // Express and Fastify both: Nest's own filters go through the adapter the same way.
    if (isExpressResponse(response)) response.status(status).json(body);
    else response.code(status).send(body);
  }
}

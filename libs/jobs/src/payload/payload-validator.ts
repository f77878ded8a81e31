import { Inject, Injectable, Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';
import { JOBS_CONFIG } from '../jobs.constants';
import { Messages } from '../jobs.messages';
import { JobValidationError } from '../errors/job-validation.error';
import type { JobsConfig } from '../jobs-config';
import { inspectJson } from './json-safety';
import { PayloadCheckCompiler, type CompiledPayloadCheck, type PayloadClass } from './compiled-payload-check';

/** Strict like a `ValidationPipe` with `whitelist` and `forbidNonWhitelisted`: unknown fields are errors. */
const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

/** Checks job data: JSON-safe, within `maxPayloadBytes`, and valid for the handler's payload class. */
@Injectable()
export class PayloadValidator {
  private readonly logger = new Logger('JobsModule');
  private readonly compiler = new PayloadCheckCompiler();
  private readonly fastChecks = new Map<PayloadClass, CompiledPayloadCheck | null>();

  constructor(@Inject(JOBS_CONFIG) private readonly config: JobsConfig) {}

  /** At enqueue: throws `JobValidationError` unless `data` can be stored and will pass at the worker. */
  checkForEnqueue(jobName: string, data: unknown, payload: PayloadClass | undefined): void {
    if (data !== undefined) {
      const { problem, maxBytes } = inspectJson(data);
      if (problem) throw new JobValidationError(Messages.payloadNotJson(jobName, problem.path, problem.what));
      // Serialising is only needed when the payload might be too large.
      if (maxBytes > this.config.maxPayloadBytes) {
        const bytes = Buffer.byteLength(JSON.stringify(data));
        if (bytes > this.config.maxPayloadBytes) {
          throw new JobValidationError(Messages.payloadTooLarge(jobName, bytes, this.config.maxPayloadBytes));
        }
      }
    }
    if (payload) this.toInstance(jobName, data, payload);
  }

  /**
   * Turns stored data into an instance of the payload class and validates it. Used at enqueue and
   * again at the worker, because data may have been written by an older version of the app.
   */
  toInstance(jobName: string, data: unknown, payload: PayloadClass): object {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      const problem = `data must be an object matching ${payload.name}, got ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}`;
      throw new JobValidationError(Messages.invalidPayload(jobName, [problem]), [problem]);
    }
    const fast = this.fastCheck(payload)?.(data);
    if (fast) return fast;
    // Invalid, or a class the fast check does not cover: class-validator decides and explains.
    const instance = plainToInstance(payload, data);
    const errors = validateSync(instance, VALIDATOR_OPTIONS);
    if (errors.length > 0) {
      const problems = flatten(errors);
      throw new JobValidationError(Messages.invalidPayload(jobName, problems), problems);
    }
    return instance;
  }

  private fastCheck(payload: PayloadClass): CompiledPayloadCheck | null {
    let check = this.fastChecks.get(payload);
    if (check === undefined) {
      const compiled = this.compiler.compile(payload);
      check = compiled.check ?? null;
      if (!compiled.check) this.logger.debug(`Payload class ${payload.name} is checked by class-validator on every job: ${compiled.reason}`);
      this.fastChecks.set(payload, check);
    }
    return check;
  }
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  const out: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      // class-validator names the bare property; show its full path instead.
      out.push(parent ? message.replace(error.property, path) : message);
    }
    if (error.children?.length) out.push(...flatten(error.children, path));
  }
  return out;
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import {
  validateSync,
  type ValidationError,
  type ValidatorOptions,
} from 'class-validator';
import { JOBS_CONFIG } from '../jobs.constants';
import { LogLines, Messages } from '../jobs.messages';
import { JobValidationError } from '../errors/job-validation.error';
import type { JobsConfig } from '../config/jobs-config';
import {
  inspectJson,
  MAX_PAYLOAD_DEPTH,
  type JsonProblem,
} from './json-safety';
import {
  PayloadCheckCompiler,
  type CompiledPayloadCheck,
  type PayloadClass,
} from './compiled-payload-check';

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
  private readonly fastChecks = new Map<
    PayloadClass,
    CompiledPayloadCheck | null
  >();

  constructor(@Inject(JOBS_CONFIG) private readonly config: JobsConfig) {}

  /** At enqueue: throws `JobValidationError` unless `data` can be stored and will pass at the worker. */
  checkForEnqueue(
    jobName: string,
    data: unknown,
    payload: PayloadClass | undefined,
  ): void {
    if (data !== undefined) {
      const { problem, maxBytes } = inspectJson(data, {
        prototypeKeys: payload !== undefined,
      });
      if (problem) throw problemError(jobName, problem);
      // Serialising is only needed when the payload might be too large.
      if (maxBytes > this.config.maxPayloadBytes) {
        const bytes = serializedBytes(jobName, data);
        if (bytes > this.config.maxPayloadBytes) {
          throw new JobValidationError(
            Messages.payloadTooLarge(
              jobName,
              bytes,
              this.config.maxPayloadBytes,
            ),
          );
        }
      }
    }
    if (payload) this.toInstance(jobName, data, payload, true);
  }

  /**
   * Turns stored data into an instance of the payload class and validates it. Used at enqueue and
   * again at the worker, because data may have been written by an older version of the app (or
   * by another tool, such as a dashboard). `inspected`: `checkForEnqueue` has already walked it.
   */
  toInstance(
    jobName: string,
    data: unknown,
    payload: PayloadClass,
    inspected = false,
  ): object {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      const problem = Messages.payloadNotAnObject(
        payload.name,
        data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data,
      );
      throw new JobValidationError(
        Messages.invalidPayload(jobName, [problem]),
        [problem],
      );
    }
    const fast = this.fastCheck(payload)?.(data);
    if (fast) return fast;
    // class-transformer and class-validator recurse without a bound and skip or let through keys
    // such as "constructor" and "hasOwnProperty": data they see is walked first (once per job).
    if (!inspected) {
      const { problem } = inspectJson(data, { prototypeKeys: true });
      if (problem) throw problemError(jobName, problem);
    }
    // Invalid, or a class the fast check does not cover: class-validator decides and explains.
    const instance = plainToInstance(payload, data);
    const errors = validateSync(instance, VALIDATOR_OPTIONS);
    if (errors.length > 0) {
      const problems = flatten(errors);
      throw new JobValidationError(
        Messages.invalidPayload(jobName, problems),
        problems,
      );
    }
    return instance;
  }

  private fastCheck(payload: PayloadClass): CompiledPayloadCheck | null {
    let check = this.fastChecks.get(payload);
    if (check === undefined) {
      const compiled = this.compiler.compile(payload);
      check = compiled.check ?? null;
      if (!compiled.check)
        this.logger.debug(
          LogLines.payloadCheckedSlowly(payload.name, compiled.reason),
        );
      this.fastChecks.set(payload, check);
    }
    return check;
  }
}

function problemError(
  jobName: string,
  problem: JsonProblem,
): JobValidationError {
  switch (problem.kind) {
    case 'depth':
      return new JobValidationError(
        Messages.payloadTooDeep(jobName, problem.path, MAX_PAYLOAD_DEPTH),
      );
    case 'key':
      return new JobValidationError(
        Messages.payloadRefusedKey(jobName, problem.path, problem.what),
      );
    default:
      return new JobValidationError(
        Messages.payloadNotJson(jobName, problem.path, problem.what),
      );
  }
}

/** UTF-8 bytes of the stored JSON; a `toJSON` that throws or changes its mind on this second call is refused too. */
function serializedBytes(jobName: string, data: unknown): number {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (error) {
    throw new JobValidationError(
      Messages.payloadNotJson(
        jobName,
        'data',
        `not serialisable (${(error as Error)?.message})`,
      ),
    );
  }
  if (typeof text !== 'string')
    throw new JobValidationError(
      Messages.payloadNotJson(jobName, 'data', 'serialised as nothing'),
    );
  return Buffer.byteLength(text);
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

/**
 * Every message the library shows a user, in one place, so each names the culprit and the fix and
 * stays in step with the code that raises it.
 */
const list = (names: Iterable<string>) => [...names].join(', ') || '(none)';

export const Messages = {
  unknownQueue: (queue: string, configured: Iterable<string>) =>
    `Queue "${queue}" is not configured. Configured queues: ${list(configured)}. ` +
    `Add it to JobsModule.forRoot({ queues }) or use one of those.`,
  unknownJob: (name: string, known: Iterable<string>) =>
    `No @JobHandler('${name}') exists in this app, so job "${name}" could never run. ` +
    `Registered job names: ${list(known)}.`,
  duplicateHandler: (name: string, first: string, second: string) =>
    `Job name "${name}" has two handlers: ${first} and ${second}. Give one of them another name.`,
  requestScopedHandler: (name: string, where: string) =>
    `@JobHandler('${name}') on ${where} is in a request-scoped provider, which has no instance outside a request. ` +
    `Make the provider singleton-scoped (the default).`,
  invalidHandlerOptions: (name: string, where: string, problem: string) =>
    `@JobHandler('${name}') on ${where}: ${problem}`,
  invalidHandlerName: (name: unknown) =>
    `@JobHandler needs a non-empty job name, got ${JSON.stringify(name)}.`,
  payloadNotAnObject: (className: string, got: string) =>
    `data must be an object matching ${className}, got ${got}`,
  invalidPayload: (name: string, problems: string[]) =>
    `Job "${name}" has invalid data: ${problems.join('; ')}.`,
  payloadNotJson: (name: string, path: string, what: string) =>
    `Job "${name}" has data that JSON cannot carry: ${path} is ${what}. Send plain objects, arrays, strings, finite numbers, booleans, null or Dates.`,
  payloadTooDeep: (name: string, path: string, max: number) =>
    `Job "${name}" has data nested more than ${max} levels deep (at ${path}). ` +
    `Objects and arrays may nest at most ${max} levels; flatten the data or store it elsewhere and pass a reference.`,
  payloadRefusedKey: (name: string, path: string, what: string) =>
    `Job "${name}" has a refused key: ${path} is ${what}.`,
  payloadTooLarge: (name: string, bytes: number, max: number) =>
    `Job "${name}" has ${bytes} bytes of data, more than maxPayloadBytes (${max}). ` +
    `Store large content elsewhere and pass a reference, or raise maxPayloadBytes.`,
  invalidEnqueueOption: (
    name: string,
    option: string,
    value: unknown,
    expected: string,
  ) =>
    `Job "${name}" has an invalid option ${option}: ${safeJson(value)}. Expected ${expected}.`,
  inEnqueueMany: (index: number, message: string) =>
    `jobs[${index}]: ${message}`,
  invalidJobRequest: (what: unknown) =>
    `enqueue() takes { name, data?, options? } with a non-empty string name, got ${safeJson(what)}.`,
  redisUnavailable: (
    ms: number,
    detail: string,
    outcome = 'nothing was enqueued',
  ) =>
    `Redis did not answer within ${ms} ms, so ${outcome} (${detail}). ` +
    `Check that Redis runs and that the connection option or REDIS_URL points at it.`,
  invalidOption: (option: string, value: unknown, expected: string) =>
    `JobsModule option ${option} is invalid: ${safeJson(value)}. Expected ${expected}.`,
  invalidQueueName: (option: string, queue: string) =>
    `JobsModule option ${option} has queue name "${queue}", which BullMQ cannot take. ` +
    `Use letters, digits, "_", "-" or "." (":" separates Redis keys).`,
  unconfiguredQueueOption: (
    option: string,
    queue: string,
    configured: Iterable<string>,
  ) =>
    `${option} names queue "${queue}", which is not configured. Configured queues: ${list(configured)}. ` +
    `Add it to JobsModule.forRoot({ queues }) or name a configured queue.`,
  routeWithoutHandler: (name: string, known: Iterable<string>) =>
    `JobsModule option routes.${name} routes a job that has no @JobHandler('${name}'). ` +
    `Registered job names: ${list(known)}. Fix the name or remove the route.`,
  repeatNotAnObject: () => 'repeat must be { every } or { cron, tz? }',
  repeatUnknownOption: (key: string) =>
    `repeat has an unknown option "${key}"; use every, cron, tz or data`,
  repeatEveryOrCron: () => 'repeat needs exactly one of every or cron',
  repeatBadInterval: (every: unknown) =>
    `repeat.every ${JSON.stringify(every)} is not an interval; use milliseconds or a string such as '30s', '5m', '1h', '1d'`,
  repeatTzWithoutCron: () => 'repeat.tz only applies to cron',
  repeatCronNotString: () =>
    'repeat.cron must be a cron expression such as "0 3 * * *"',
  repeatBadTimeZone: (tz: unknown) =>
    `repeat.tz "${String(tz)}" is not a time zone; use an IANA name such as "Europe/Berlin"`,
  repeatBadCron: (cron: string, detail: string) =>
    `repeat.cron "${cron}" is not a valid cron expression (${detail})`,
  noHandlerAtWorker: (name: string) =>
    `This worker has no @JobHandler('${name}'). Deploy the handler to the processes that serve this queue.`,
  badWorkerArgument: (arg: string) =>
    `Unknown worker argument "${arg}". Usage: worker [queue ...] [--concurrency queue=n ...] [--processes queue=n|min..max ...]`,
  workersOptionOverridesProcess: (wanted: string[], served: string[]) =>
    `This worker process was asked to serve ${list(wanted)} but serves ${list(served)}, because ` +
    `JobsModule.forRoot sets the workers option. Remove it so JOBS_WORKERS and the worker's arguments decide.`,
  queueTokenTakenOver: (queue: string, module: string) =>
    `${module} registers the queue token of "${queue}" (BullModule.registerQueue({ name: '${queue}' })?), which JobsModule ` +
    `already provides for @InjectQueue('${queue}'). Remove that registration: JobsModule's queue is injectable as it is. ` +
    `To run a queue with @nestjs/bullmq's own @Processor instead, give it a name JobsModule does not configure.`,
  processesWithQueueNames: (queues: string[]) =>
    `--processes (${list(queues)}) is for the pool's supervisor, the worker run without queue names; ` +
    `a worker given queue names is one process. Drop the queue names to start the pool, or drop --processes.`,
  processesOnUnservedQueue: (queue: string, served: string[]) =>
    `Queue "${queue}" has processes, but this worker does not serve it (it serves: ${list(served)}). ` +
    `Add "${queue}" to the workers option, or remove its processes.`,
  poolCrashLoop: (what: string, deaths: number, lastError: string) =>
    `Pool: the process for ${what} died ${deaths} times in a row before it was ready, so the pool stops. ` +
    `Its last error: ${lastError || '(it printed none)'}`,
  queueLeftToPool: (queues: string[]) =>
    `Queue(s) ${list(queues)} run in worker processes of their own (the processes option), so this app does not serve them. ` +
    `Start their pool with your worker entry, bootstrapWorker run without queue names (npm run worker in the demo).`,
  poolEntryMissing: () =>
    `The pool's supervisor cannot tell which file to start its worker processes from (process.argv[1] is empty). ` +
    `Start the worker entry as "node worker.js".`,
  invalidCancelReason: (reason: unknown) =>
    `cancel() takes an optional reason string, got ${safeJson(reason)}.`,
  invalidConcurrency: (queue: string, n: unknown) =>
    `Concurrency for queue "${queue}" must be a positive integer, got ${safeJson(n)}.`,
  jobTimedOut: (ms: number) =>
    `Job timed out after ${ms} ms. Raise the handler's or the job's timeout option, or make the handler faster; ` +
    `it should also stop when ctx.signal aborts.`,
  jobCancelled: (reason?: string) =>
    `Job cancelled${reason ? `: ${reason}` : ''}.`,
  jobCancelledHere: (id: string, queue: string, reason?: string) =>
    `Job #${id} on queue "${queue}" cancelled${reason ? `: ${reason}` : ''}`,
  badHeartbeat: (key: string, field: string, problem: string) =>
    `Worker heartbeat "${field}" in ${key} is unreadable (${problem}), so it was ignored and removed. ` +
    `Only nestjs-jobs worker processes should write to that hash; a live worker writes its entry again at its next heartbeat.`,
  shutdownForced: (what: string, ms: number) =>
    `${what} did not close within ${ms} ms of shutdown (Redis unreachable?), so its connections were cut. ` +
    `Jobs whose results were not recorded run again on another worker once their lock expires.`,
  shutdownLeftJobs: (queue: string, ids: string[], ms: number) =>
    `Queue "${queue}": ${ids.length} job(s) still running after ${ms} ms of shutdown grace; ` +
    `left for another worker to pick up: ${ids.join(', ')}`,
  invalidAdminToken: (token: unknown) =>
    `JobsAdminModule needs a token: a non-empty string without spaces, got ${token === undefined ? 'none' : typeof token !== 'string' ? `a ${typeof token}` : token ? 'one with spaces' : 'an empty string'}. ` +
    `Pass a long random secret, e.g. from an environment variable.`,
  adminTokenTooShort: (length: number, min: number) =>
    `JobsAdminModule \`token\` is too short: ${length} characters, it needs at least ${min} characters. ` +
    `Pass a long random secret, e.g. JOBS_ADMIN_TOKEN=$(openssl rand -base64 32).`,
  adminJsonOnly: (contentType: string) =>
    `The admin API takes request bodies as application/json only, got ${safeJson(contentType)}. ` +
    `Send the body as JSON with "Content-Type: application/json", or send no body.`,
  invalidAdminPath: (path: unknown) =>
    `JobsAdminModule path ${safeJson(path)} is not a URL path. Use segments of letters, digits, "_", "-", "." or "~", such as "admin/jobs".`,
  adminInvalidQueueParam: () =>
    'queue must be a queue name: 1-100 letters, digits, "_", "-" or "."',
  adminInvalidJobIdParam: () =>
    'id must be a job id: no spaces, and no ":" except in repeat:<schedule>:<ms>',
  adminInvalidStatusParam: (statuses: readonly string[]) =>
    `status must be one of ${statuses.join(', ')}`,
  adminParamOutOfRange: (param: string, max: number) =>
    `${param} must be a whole number from 1 to ${max}`,
  adminJobNotFound: (id: string) =>
    `No queue holds a job with id "${id}". It may never have existed or been removed by retention.`,
  adminRetryNotFailed: (id: string) =>
    `Job "${id}" is not failed, so it cannot be retried. Only failed jobs can.`,
  adminCancelFinished: (id: string) =>
    `Job "${id}" has already finished, so there is nothing to cancel.`,
  invalidJobId: (
    name: string,
    id: unknown,
    problem: string,
    chars: string,
    max: number,
    reserved: readonly string[],
  ) =>
    `Job "${name}" has an invalid option jobId: ${shortJson(id)} ${problem}. ` +
    `Use 1 to ${max} ${chars}, not only digits, and none of BullMQ's key names (${reserved.join(', ')}); ` +
    `a prefix such as "order-42" avoids both.`,
  optionTooLarge: (
    name: string,
    option: string,
    value: unknown,
    max: string,
    why: string,
  ) =>
    `Job "${name}" has an invalid option ${option}: ${shortJson(value)} is more than ${max}, ${why}. ` +
    `Use a smaller value.`,
  handlerThrewNonError: (value: unknown) =>
    `Handler threw a non-Error value: ${shortJson(value)}. Throw an Error (new Error("...")) so the failure keeps a message and a stack.`,
  resultTooLarge: (name: string, bytes: number, max: number) =>
    `Job "${name}" returned a result of ${bytes} bytes, more than maxPayloadBytes (${max}), so it was not stored and the attempt failed. ` +
    `Store large results elsewhere (a file, a table) and return a reference, or raise maxPayloadBytes.`,
  resultNotJson: (name: string, detail: string) =>
    `Job "${name}" returned a result JSON cannot store (${detail}), so the attempt failed. Return plain objects, arrays, strings, numbers, booleans or null.`,
  asyncOptionsMissing: (method: string, factoryMethod: string) =>
    `${method} needs one of useFactory, useClass or useExisting to give it its options. ` +
    `Pass useFactory: (...deps) => options with inject: [...deps], or a class implementing ${factoryMethod}().`,
  missingOptionalPeer: (entry: string, peer: string, range: string) =>
    `${entry} needs the optional peer dependency ${peer}, which is not installed. ` +
    `Install it next to nestjs-jobs: npm install ${peer}@"${range}"`,
};

/**
 * What a refused option should have been: the "Expected ..." end of `invalidOption` and
 * `invalidEnqueueOption` (and the limits and reasons of `optionTooLarge`).
 */
export const Expected = {
  object: 'an object',
  oneOf: (keys: readonly string[]) => `one of ${keys.join(', ')}`,
  oneOfTheOptions: (keys: readonly string[]) =>
    `one of the options ${keys.join(', ')}`,
  positiveInteger: 'a positive integer',
  nonNegativeInteger: 'a non-negative integer',
  nonEmptyString: 'a non-empty string',
  // Module options (config/jobs-config.ts).
  queuesObject: 'an object of queue name → concurrency',
  routesObject: 'an object of job name → queue name',
  queueName: 'a queue name',
  queueConfig: 'a positive integer or { concurrency, ... }',
  minAndMaxOnly: 'min and max only',
  minUpToMax: '{ min, max } with min <= max',
  limiter: '{ max, duration }',
  processes:
    'a positive integer, or { min, max } with 1 <= min <= max (optional scaleUpAfterMs, scaleDownAfterMs)',
  processesKey: 'min, max, scaleUpAfterMs or scaleDownAfterMs',
  concurrencyPairs:
    'queue=concurrency pairs, such as high_priority=16,default=4',
  processesPairs: 'queue=processes pairs, such as reports=2,high_priority=1..4',
  retention: '{ completed?, failed? }',
  retentionKey: 'completed or failed',
  keep: 'true (keep none), false (keep all) or { count?, age? } with non-negative numbers',
  connection:
    'a redis:// or rediss:// URL, ioredis options, or { cluster: { nodes } }',
  cluster: '{ nodes: ["host:port", ...], options? }',
  clusterOptions: 'ioredis cluster options',
  hostPort: 'host:port, such as 127.0.0.1:7000',
  clusterNode: '{ host, port } or "host:port"',
  redisUrl:
    'a URL such as redis://user:password@host:6379/0 or rediss://host:6380',
  prefix: 'a non-empty string without spaces, such as "jobs" or "myapp"',
  workers: 'true (every queue), false (none), or a list of queue names',
  telemetry:
    "a BullMQ Telemetry object, such as new BullMQOtel({ tracerName: 'my-app' }) from bullmq-otel " +
    '({ tracer: { startSpan }, contextManager: { with, active, getMetadata, fromMetadata }, meter? })',
  // Enqueue and handler options (utils/enqueue-options.ts).
  delayOrRunAt: 'either delay or runAt, not both',
  nonNegativeMs: 'a non-negative integer (milliseconds)',
  positiveMs: 'a positive integer (milliseconds)',
  date: 'a valid Date',
  withinAYear: 'a time at most a year from now',
  withUniqueKey: 'to come with a uniqueKey',
  priority: (max: number) => `an integer from 1 (highest) to ${max}`,
  backoff:
    'milliseconds, or { type: "fixed" | "exponential", delay: milliseconds }',
  backoffKey: 'one of type, delay, jitter',
  jitter: 'a number from 0 to 1',
  exponentialWithinAYear: (attempts: number, longest: number) =>
    `exponential waits of at most a year: with ${attempts} attempts the last retry would wait ${longest} ms; ` +
    'use fewer attempts, a smaller delay or a fixed backoff',
  payloadClass: 'a class decorated with class-validator',
  aYear: (ms: number) => `${ms} ms (a year)`,
  setTimeoutMax: (ms: number) => `${ms} ms (about 24.8 days)`,
  longestWait: 'the longest wait a job may have',
  longestWindow: 'the longest window the library keeps',
  setTimeoutLimit: "setTimeout's limit",
  mostAttempts: 'the most attempts a job may have',
};

/**
 * Every line the library logs, in one place like the messages above, so each says what happened
 * in the same words wherever it is raised. Operators grep for these: change them with care.
 */
export const LogLines = {
  postponedUntilRedis: (message: string) =>
    `${message} It runs when Redis is back.`,
  startupWorkFailed: (what: string, message: string) =>
    `${what} failed: ${message}`,
  clientError: (label: string, message: string) => `${label}: ${message}`,
  connectionLost: (label: string, message: string) =>
    `${label}: Redis connection error: ${message}. Retrying in the background.`,
  connectionRestored: (label: string) => `${label}: Redis connection restored.`,
  scheduleRemoved: (name: string, queue: string) =>
    `Removed schedule of job "${name}" from queue "${queue}": its handler no longer repeats it here.`,
  gaugesEmpty: (message: string) =>
    `Queue gauges left empty for this scrape: ${message}`,
  payloadCheckedSlowly: (payload: string, reason: string) =>
    `Payload class ${payload} is checked by class-validator on every job: ${reason}`,
  concurrencySet: (queue: string, concurrency: number) =>
    `Queue "${queue}": concurrency set to ${concurrency}`,
  workerStarted: (queue: string, concurrency: number, mode: string) =>
    `Worker started: queue "${queue}", concurrency ${concurrency}${mode}`,
  workerStopped: (queue: string) => `Worker stopped: queue "${queue}"`,
  poolStarted: (id: string, described: string[]) =>
    `Pool ${id} started: ${described.join('; ')} process(es)`,
  poolProcessServes: (pid: number | undefined, what: string) =>
    `Pool: process ${pid} serves ${what}`,
  poolProcessStopped: (pid: number | undefined, what: string, how: string) =>
    `Pool: process ${pid} (${what}) stopped (${how})`,
  poolProcessReplaced: (
    pid: number | undefined,
    what: string,
    how: string,
    ready: boolean,
    delayMs: number,
  ) =>
    `Pool: process ${pid} (${what}) exited (${how})${ready ? '' : ' before it was ready'}; starting another in ${delayMs} ms`,
  poolScaled: (queue: string, from: number, to: number, reason: string) =>
    `Pool: queue "${queue}" ${from} → ${to} process(es): ${reason}`,
  poolStopped: (id: string) => `Pool ${id} stopped: every process has exited`,
};

/** JSON of `value`, cut to a readable length: an id or a thrown value may be megabytes long. */
function shortJson(value: unknown, max = 200): string {
  const text = safeJson(value);
  return text.length <= max
    ? text
    : `${text.slice(0, max)}… (${text.length} characters)`;
}

function safeJson(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? safeString(value) : text;
  } catch {
    return safeString(value);
  }
}

/** `String(value)`, which throws for objects without a prototype or with a throwing `toString`. */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

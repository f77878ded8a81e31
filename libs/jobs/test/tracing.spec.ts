import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  Controller,
  Injectable,
  Module,
  Param,
  ParseIntPipe,
  Post,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Queue } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { NextFunction, Request, Response } from 'express';
import {
  JobHandler,
  JobService,
  JobsConfigurationError,
  type JobContext,
} from 'nestjs-jobs';
import { resolveJobsConfig } from '../src/config/jobs-config';
import { createHttpApp, type HttpTestApp } from './support/http-app';
import { kill, spawnWorker, type WorkerProcess } from './support/processes';
import {
  createJobsApp,
  redisUrl,
  uniquePrefix,
  waitFor,
} from './support/test-app';
import {
  installTracing,
  toSpanRecord,
  type SpanRecord,
} from './support/tracing';

const TRACED_WORKER = path.join(__dirname, 'fixtures/traced-worker.ts');

/** The server span an HTTP instrumentation would start: a child of the request's `traceparent`, active while Nest handles it. */
@Injectable()
class ServerSpanMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction) {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = trace
      .getTracer('http')
      .startSpan(
        `${req.method} ${req.originalUrl}`,
        { kind: SpanKind.SERVER },
        parent,
      );
    res.on('finish', () => span.end());
    context.with(trace.setSpan(parent, span), next);
  }
}

@Controller('devices')
class DevicesController {
  constructor(private readonly jobs: JobService) {}

  @Post(':device/backup')
  backup(@Param('device', ParseIntPipe) device: number) {
    return this.jobs.enqueue({ name: 'traced', data: { device } });
  }
}

/** The API process enqueues only; the handler runs in the worker process (fixtures/traced-worker.ts). */
@Injectable()
class TracedJobsStub {
  @JobHandler('traced')
  traced() {
    throw new Error('runs in the worker process only');
  }
}

@Module({ controllers: [DevicesController], providers: [TracedJobsStub] })
class TracedApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(ServerSpanMiddleware).forRoutes(DevicesController);
  }
}

const noop = (): void => undefined;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('tracing (telemetry option, bullmq-otel)', () => {
  describe('one trace from an HTTP request to the handler in another process', () => {
    const exporter = new InMemorySpanExporter();
    let uninstall: () => Promise<void>;
    let api: HttpTestApp | undefined;
    let worker: WorkerProcess | undefined;
    let dir: string;

    beforeAll(() => {
      uninstall = installTracing(exporter);
      dir = mkdtempSync(path.join(tmpdir(), 'jobs-tracing-'));
    });

    afterAll(async () => {
      await api?.close();
      if (worker) await kill(worker, 'SIGTERM');
      await uninstall();
      rmSync(dir, { recursive: true, force: true });
    });

    it('links the request, enqueue, the worker process span and the handler, with one traceId', async () => {
      const prefix = uniquePrefix();
      const spansFile = path.join(dir, 'worker-spans.jsonl');
      worker = spawnWorker(
        [],
        { REDIS_URL: redisUrl(), JOBS_PREFIX: prefix, SPANS_FILE: spansFile },
        TRACED_WORKER,
      );
      await worker.ready;
      api = await createHttpApp(
        {
          prefix,
          workers: false,
          telemetry: new BullMQOtel({ tracerName: 'api' }),
        },
        { imports: [TracedApiModule] },
      );

      // The caller's span (a browser, a gateway): chosen here, so the whole trace must carry its id.
      const traceId = hex(16);
      const callerSpanId = hex(8);
      const response = await fetch(`${api.url}/devices/7/backup`, {
        method: 'POST',
        headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
      });
      expect(response.status).toBe(201);
      const ref = (await response.json()) as { id: string };

      const info = await waitFor(
        async () => {
          const job = await api!.jobs.get(ref.id);
          return job?.status === 'completed' ? job : undefined;
        },
        15_000,
        'the job to complete in the worker process',
      );
      const result = info.result as {
        pid: number;
        activeSpanId: string;
        activeTraceId: string;
        ctxSpanId: string;
        ownSpanId: string;
      };
      expect(result.pid).toBe(worker.pid);

      // The worker ends its process span after recording the result, so its file may lag the job.
      const inWorker = await waitFor(
        () => {
          let lines: string[] = [];
          try {
            lines = readFileSync(spansFile, 'utf8').split('\n').filter(Boolean);
          } catch {
            return undefined;
          }
          const spans = lines
            .map((l) => JSON.parse(l) as SpanRecord)
            .filter((s) => s.traceId === traceId);
          const processSpan = spans.find(
            (s) =>
              s.kind === 'CONSUMER' && s.attributes['bullmq.job.id'] === ref.id,
          );
          const handlerSpan = spans.find((s) => s.name === 'back up device');
          return processSpan && handlerSpan
            ? { processSpan, handlerSpan }
            : undefined;
        },
        10_000,
        "the worker's spans",
      );
      const inApi = exporter.getFinishedSpans().map(toSpanRecord);
      const serverSpan = inApi.find(
        (s) => s.kind === 'SERVER' && s.traceId === traceId,
      );
      const addSpan = inApi.find(
        (s) => s.kind === 'PRODUCER' && s.traceId === traceId,
      );

      // API process: caller → HTTP server span → BullMQ's add span.
      expect(serverSpan).toMatchObject({
        name: 'POST /devices/7/backup',
        parentSpanId: callerSpanId,
      });
      expect(addSpan).toMatchObject({
        name: 'add default.traced',
        parentSpanId: serverSpan!.spanId,
      });
      // Worker process: the process span is the add span's child, through the context stored in the job.
      expect(inWorker.processSpan).toMatchObject({
        name: 'process default',
        parentSpanId: addSpan!.spanId,
      });
      expect(inWorker.processSpan.attributes).toMatchObject({
        'bullmq.job.name': 'traced',
      });
      // The handler runs inside the process span: it is the active span, ctx.traceContext holds it,
      // and a span the handler starts is its child.
      expect(result).toMatchObject({
        activeTraceId: traceId,
        activeSpanId: inWorker.processSpan.spanId,
        ctxSpanId: inWorker.processSpan.spanId,
      });
      expect(inWorker.handlerSpan).toMatchObject({
        spanId: result.ownSpanId,
        parentSpanId: inWorker.processSpan.spanId,
      });
    }, 90_000);
  });

  describe('without the option', () => {
    it('gives BullMQ no telemetry and handlers no traceContext', async () => {
      let seen: { traceContext: unknown } | undefined;
      @Injectable()
      class Probe {
        @JobHandler('probe')
        probe(_data: unknown, ctx: JobContext) {
          seen = { traceContext: ctx.traceContext };
        }
      }
      const t = await createJobsApp({}, [Probe]);
      try {
        expect(
          t.app.get<Queue>(getQueueToken('default')).opts.telemetry,
        ).toBeUndefined();
        await t.jobs.enqueue({ name: 'probe' });
        await waitFor(() => seen, 10_000, 'the probe job to run');
        expect(seen).toEqual({ traceContext: undefined });
      } finally {
        await t.close();
      }
    });
  });

  describe('option check at start-up', () => {
    it('passes a bullmq-otel instance through as it is', () => {
      const telemetry = new BullMQOtel({ tracerName: 'app' });
      expect(resolveJobsConfig({ telemetry }, {}).telemetry).toBe(telemetry);
      expect(resolveJobsConfig({}, {})).not.toHaveProperty('telemetry');
    });

    it.each([
      ['not an object', true, 'JobsModule option telemetry is invalid: true.'],
      [
        'an OpenTelemetry Tracer instead of bullmq-otel',
        trace.getTracer('app'),
        'JobsModule option telemetry.tracer is invalid: undefined.',
      ],
      [
        'a context manager without getMetadata',
        {
          tracer: { startSpan: noop },
          contextManager: { with: noop, active: noop, fromMetadata: noop },
        },
        'JobsModule option telemetry.contextManager.getMetadata is invalid: undefined.',
      ],
      [
        'a meter that is not a BullMQ meter',
        { ...new BullMQOtel(), meter: {} },
        'JobsModule option telemetry.meter.createCounter is invalid: undefined.',
      ],
    ])(
      'refuses %s with JobsConfigurationError naming the member and bullmq-otel',
      (_case, telemetry, message) => {
        const attempt = () =>
          resolveJobsConfig({ telemetry: telemetry as never }, {});
        expect(attempt).toThrow(JobsConfigurationError);
        expect(attempt).toThrow(message);
        expect(attempt).toThrow(
          "Expected a BullMQ Telemetry object, such as new BullMQOtel({ tracerName: 'my-app' }) from bullmq-otel",
        );
      },
    );
  });
});

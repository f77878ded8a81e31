import { appendFileSync } from 'node:fs';
import { context, propagation, trace, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ExportResultCode,
  W3CTraceContextPropagator,
  type ExportResult,
} from '@opentelemetry/core';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

/** What the tracing tests compare of a finished span, the same in the test process and in a worker's file. */
export interface SpanRecord {
  name: string;
  kind: keyof typeof SpanKind;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

export function toSpanRecord(span: ReadableSpan): SpanRecord {
  const { traceId, spanId } = span.spanContext();
  return {
    name: span.name,
    kind: SpanKind[span.kind] as keyof typeof SpanKind,
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: { ...span.attributes },
  };
}

/**
 * Sets up OpenTelemetry in this process as an app's SDK set-up does (NodeSDK registers the same
 * three globals): async-hooks context, W3C `traceparent` propagation, a tracer provider exporting
 * each span as it ends. Returns what undoes it.
 */
export function installTracing(exporter: SpanExporter): () => Promise<void> {
  context.setGlobalContextManager(
    new AsyncLocalStorageContextManager().enable(),
  );
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  trace.setGlobalTracerProvider(provider);
  return async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  };
}

/** Appends each finished span to a file as one JSON line, so another process can read them. */
export class JsonLinesSpanExporter implements SpanExporter {
  constructor(private readonly file: string) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    appendFileSync(
      this.file,
      spans.map((s) => `${JSON.stringify(toSpanRecord(s))}\n`).join(''),
    );
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}

import { Controller, Get, Res, type Type } from '@nestjs/common';
import { JobsMetrics } from './jobs-metrics.service';

interface HttpResponse {
  setHeader?(name: string, value: string): unknown;
  header?(name: string, value: string): unknown;
}

/** A controller serving the Prometheus text format at `path`. */
export function createJobsMetricsController(path: string): Type<unknown> {
  @Controller()
  class JobsMetricsController {
    constructor(private readonly metrics: JobsMetrics) {}

    @Get(path)
    async scrape(
      @Res({ passthrough: true }) res: HttpResponse,
    ): Promise<string> {
      const text = await this.metrics.metrics();
      const type = this.metrics.registry.contentType;
      if (res.setHeader) res.setHeader('Content-Type', type);
      else res.header?.('Content-Type', type);
      return text;
    }
  }
  return JobsMetricsController;
}

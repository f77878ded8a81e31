import { Injectable } from '@nestjs/common';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { JobHandler, type JobContext } from 'nestjs-jobs';

export const REPORT_KINDS = ['inventory', 'ip-usage', 'cabling'] as const;
const SITES = ['ams', 'fra', 'lon', 'nyc', 'sfo', 'sin', 'syd', 'tyo'];
const ROLES = ['core', 'access', 'edge', 'firewall', 'wifi'];

/** What a `report` job needs. */
export class ReportPayload {
  @IsIn(REPORT_KINDS)
  kind!: (typeof REPORT_KINDS)[number];

  /** Devices in the inventory the report is built from (default 200,000: about 0.3 s of CPU). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_000_000)
  devices?: number;

  /**
   * How many attempts fail before one succeeds, to watch retries happen. When absent, each attempt
   * fails with a 1 in 3 chance, like a flaky upstream.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3)
  failAttempts?: number;
}

interface Device {
  site: string;
  role: string;
  ports: number;
  used: number;
}

/**
 * Reports are CPU-bound: each builds its inventory in memory and aggregates it, holding the
 * event loop for a good fraction of a second. So they run on the `reports` queue, whose worker
 * processes (`processes` in app.module.ts) do nothing else: urgent backups never wait behind them.
 * Retried, because their data source is flaky.
 */
@Injectable()
export class ReportJobs {
  @JobHandler('report', {
    payload: ReportPayload,
    queue: 'reports',
    attempts: 3,
    backoff: { type: 'exponential', delay: 200 },
  })
  async report(data: ReportPayload, ctx: JobContext) {
    const fails =
      data.failAttempts === undefined
        ? Math.random() < 1 / 3
        : ctx.attempt <= data.failAttempts;
    if (fails)
      throw new Error(`report source timed out (attempt ${ctx.attempt})`);
    const sites = buildReport(data.devices ?? 200_000);
    await ctx.log(
      `built the ${data.kind} report of ${data.devices ?? 200_000} devices on attempt ${ctx.attempt}`,
    );
    return { kind: data.kind, rows: sites.length, attempt: ctx.attempt, sites };
  }
}

/** Port usage per site over a generated inventory: sorting and grouping, all on the CPU. */
function buildReport(devices: number) {
  let seed = 42;
  const random = () =>
    (seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) / 0x7fffffff;
  const inventory: Device[] = [];
  for (let i = 0; i < devices; i++) {
    inventory.push({
      site: SITES[i % SITES.length],
      role: ROLES[Math.floor(random() * ROLES.length)],
      ports: 1 + Math.floor(random() * 48),
      used: Math.floor(random() * 48),
    });
  }
  inventory.sort((a, b) =>
    a.site < b.site
      ? -1
      : a.site > b.site
        ? 1
        : b.used / b.ports - a.used / a.ports,
  );
  const bySite = new Map<
    string,
    { site: string; devices: number; ports: number; used: number }
  >();
  for (const device of inventory) {
    const row = bySite.get(device.site) ?? {
      site: device.site,
      devices: 0,
      ports: 0,
      used: 0,
    };
    row.devices++;
    row.ports += device.ports;
    row.used += Math.min(device.used, device.ports);
    bySite.set(device.site, row);
  }
  return [...bySite.values()];
}

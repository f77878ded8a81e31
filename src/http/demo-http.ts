import type { NextFunction, Request, Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';

/**
 * Largest JSON request body the demo reads: 1 MiB, above the library's `maxPayloadBytes` (512 KiB), so a
 * too-large job is refused by the library with its own 400 and message, not by Express. (Express's default
 * of 100 kB made the library's limit unreachable.)
 */
export const DEMO_JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The demo's HTTP set-up, for an app created with `{ bodyParser: false }`: JSON bodies up to
 * DEMO_JSON_BODY_LIMIT_BYTES and nothing else parsed (the API and the dashboard take JSON only), and a
 * body over that limit answered with a JSON 413 naming the limit instead of Express's HTML page.
 */
export function configureDemoHttp(app: NestExpressApplication): void {
  app.useBodyParser('json', { limit: DEMO_JSON_BODY_LIMIT_BYTES });
  // Registered right after the parser, before Nest's routes, so it sees the parser's errors.
  app.use(
    (
      error: { type?: string } | undefined,
      _req: Request,
      res: Response,
      next: NextFunction,
    ) => {
      if (error?.type !== 'entity.too.large') return next(error);
      res.status(413).json({
        statusCode: 413,
        error: 'Payload Too Large',
        message:
          `The request body is over the demo's ${DEMO_JSON_BODY_LIMIT_BYTES} bytes (1 MiB) JSON limit. ` +
          `Job data is limited to the library's maxPayloadBytes (512 KiB by default) anyway: send less data, or a reference to it.`,
      });
    },
  );
}

import { Controller, Injectable, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DuplicateJobHandlerError,
  JobHandler,
  JobsModule,
  JobService,
} from 'nestjs-jobs';
import { JobsMetadataAccessor } from '../src/jobs-metadata.accessor';
import { Reflector } from '@nestjs/core';
import {
  redisUrl,
  uniquePrefix,
  createJobsApp,
  waitFor,
} from './support/test-app';

// `this: void`: the test hands the methods over detached, as discovery reads them.
class Fixture {
  @JobHandler('tagged')
  tagged(this: void) {}
  untagged(this: void) {}
}

describe('JobsMetadataAccessor', () => {
  const accessor = new JobsMetadataAccessor(new Reflector());
  it('reads @JobHandler metadata from a method', () => {
    expect(accessor.getJobHandlerMetadata(Fixture.prototype.tagged)).toEqual({
      name: 'tagged',
      options: {},
    });
  });
  it('returns undefined for untagged methods and for values that are not functions or objects', () => {
    expect(
      accessor.getJobHandlerMetadata(Fixture.prototype.untagged),
    ).toBeUndefined();
    expect(accessor.getJobHandlerMetadata(undefined)).toBeUndefined();
    expect(accessor.getJobHandlerMetadata('tagged')).toBeUndefined();
    expect(accessor.getJobHandlerMetadata(42)).toBeUndefined();
  });
});

describe('@JobHandler', () => {
  it('rejects an empty job name when the class is defined', () => {
    expect(() => JobHandler('')).toThrow(
      /@JobHandler needs a non-empty job name, got ""/,
    );
    expect(() => JobHandler(undefined as unknown as string)).toThrow(
      /non-empty job name/,
    );
  });
});

describe('JobsExplorer (discovery at start-up)', () => {
  const boot = async (providers: any[], controllers: any[] = []) => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobsModule.forRoot({
          connection: redisUrl(),
          prefix: uniquePrefix(),
          workers: false,
        }),
      ],
      providers,
      controllers,
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  };

  it('fails on two handlers with one name, naming both Class.method', async () => {
    @Injectable()
    class BackupJobs {
      @JobHandler('backup')
      run() {}
    }
    @Injectable()
    class LegacyJobs {
      @JobHandler('backup')
      legacyBackup() {}
    }
    const attempt = boot([BackupJobs, LegacyJobs]);
    await expect(attempt).rejects.toThrow(DuplicateJobHandlerError);
    await expect(boot([BackupJobs, LegacyJobs])).rejects.toThrow(
      'Job name "backup" has two handlers: BackupJobs.run and LegacyJobs.legacyBackup. Give one of them another name.',
    );
  });

  it('fails on a handler in a request-scoped provider, naming Class.method', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class ScopedJobs {
      @JobHandler('scoped')
      run() {}
    }
    await expect(boot([ScopedJobs])).rejects.toThrow(
      /@JobHandler\('scoped'\) on ScopedJobs\.run is in a request-scoped provider/,
    );
  });

  it('fails on bad handler options, naming the handler', async () => {
    @Injectable()
    class BadJobs {
      @JobHandler('bad', { attempts: 0 })
      run() {}
    }
    await expect(boot([BadJobs])).rejects.toThrow(
      /@JobHandler\('bad'\) on BadJobs\.run: Job "bad" has an invalid option attempts: 0/,
    );
  });

  it('finds handlers on controllers as well as providers, and calls them with their own `this`', async () => {
    @Controller()
    class ReportController {
      private readonly greeting = 'from controller';
      @JobHandler('report')
      report() {
        return this.greeting;
      }
    }
    @Injectable()
    class MailJobs {
      private readonly greeting = 'from provider';
      @JobHandler('mail')
      mail() {
        return this.greeting;
      }
    }
    const t = await createJobsApp({}, [MailJobs], [ReportController]);
    try {
      const refs = await t.jobs.enqueueMany([
        { name: 'report' },
        { name: 'mail' },
      ]);
      const results = await Promise.all(
        refs.map((ref) =>
          waitFor(
            async () => (await t.jobs.get(ref.id))?.result,
            10_000,
            `job ${ref.name}`,
          ),
        ),
      );
      expect(results).toEqual(['from controller', 'from provider']);
    } finally {
      await t.close();
    }
  });

  it('does not treat a provider without handlers as an error', async () => {
    @Injectable()
    class Plain {
      hello() {
        return 'hi';
      }
    }
    const app = await boot([Plain]);
    try {
      expect(app.get(JobService)).toBeInstanceOf(JobService);
    } finally {
      await app.close();
    }
  });
});

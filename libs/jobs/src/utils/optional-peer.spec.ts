// The optional peers: their ranges in one place, and a message with the install command when one
// is missing. The packed version of this, in fresh apps, is in libs/jobs/test/package/package.spec.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';
import { assertOptionalPeer, OPTIONAL_PEERS } from './optional-peer';

const pkg = JSON.parse(
  readFileSync(join(__dirname, '../../package.json'), 'utf8'),
) as {
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

describe('optional peers', () => {
  let empty: string;
  // A search path with no node_modules above it that holds the peer: as in an app that never installed it.
  const hidden = (id: string) => require.resolve(id, { paths: [empty] });
  beforeAll(() => {
    empty = mkdtempSync(join(tmpdir(), 'nestjs-jobs-no-peers-'));
  });
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('are the ones package.json marks optional, with the same ranges', () => {
    const optional = Object.keys(pkg.peerDependenciesMeta).filter(
      (name) => pkg.peerDependenciesMeta[name].optional,
    );
    expect(
      Object.fromEntries(
        optional.map((name) => [name, pkg.peerDependencies[name]]),
      ),
    ).toEqual(OPTIONAL_PEERS);
  });

  it.each([
    ['nestjs-jobs/metrics', 'prom-client', 'npm install prom-client@"^15.0.0"'],
    [
      'nestjs-jobs/health',
      '@nestjs/terminus',
      'npm install @nestjs/terminus@"^11.0.0 || ^12.0.0"',
    ],
  ] as const)(
    '%s without %s names the peer and the install command',
    (entry, peer, command) => {
      let hiddenError: unknown;
      try {
        hidden(peer);
      } catch (e) {
        hiddenError = e;
      }
      expect(hiddenError).toMatchObject({ code: 'MODULE_NOT_FOUND' });
      let error: unknown;
      try {
        assertOptionalPeer(entry, peer, hidden);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MissingPeerDependencyError);
      expect((error as Error).message).toBe(
        `${entry} needs the optional peer dependency ${peer}, which is not installed. Install it next to nestjs-jobs: ${command}`,
      );
    },
  );

  it('passes when the peer is installed, and keeps other errors as they are', () => {
    expect(() =>
      assertOptionalPeer('nestjs-jobs/metrics', 'prom-client'),
    ).not.toThrow();
    const broken = Object.assign(
      new Error(
        "Cannot find module './lib/registry' from 'prom-client/index.js'",
      ),
      { code: 'MODULE_NOT_FOUND' },
    );
    expect(() =>
      assertOptionalPeer('nestjs-jobs/metrics', 'prom-client', () => {
        throw broken;
      }),
    ).toThrow(broken);
  });
});

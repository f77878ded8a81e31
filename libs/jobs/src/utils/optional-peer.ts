import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';
import { Messages } from '../jobs.messages';

/** The optional peers and their ranges, as in package.json's peerDependencies (a test keeps them equal). */
export const OPTIONAL_PEERS = {
  'prom-client': '^15.0.0',
  '@nestjs/terminus': '^11.0.0 || ^12.0.0',
  // For the telemetry option; the app imports it itself (new BullMQOtel(...)), the library never does.
  'bullmq-otel': '^1.0.0 || ^2.0.0',
} as const;

export type OptionalPeer = keyof typeof OPTIONAL_PEERS;

/**
 * Throws `MissingPeerDependencyError` naming `peer` and the install command when `peer` cannot be
 * found, instead of Node's bare "Cannot find module". Called first thing by the entry points whose
 * features need an optional peer. `resolve` is for tests, which hide the peer with another search path.
 */
export function assertOptionalPeer(
  entry: string,
  peer: OptionalPeer,
  resolve: (id: string) => string = require.resolve,
): void {
  try {
    resolve(peer);
  } catch (error) {
    // Only "not installed": a peer that is there but broken keeps its own error.
    if (
      (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' &&
      (error as Error).message.includes(`'${peer}'`)
    ) {
      throw new MissingPeerDependencyError(
        Messages.missingOptionalPeer(entry, peer, OPTIONAL_PEERS[peer]),
      );
    }
    throw error;
  }
}

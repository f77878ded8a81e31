import { Messages } from '../jobs.messages';
import { JobsConfigurationError } from '../errors/jobs-configuration.error';
import { isUrlPath, isWord } from './validators';

/**
 * Shortest admin token accepted. 16 random base64 characters are 96 bits: out of reach of online guessing,
 * while a short password someone typed (`admin`, `changeme`) is refused at boot.
 */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/** The token, or `JobsConfigurationError` saying what a usable one looks like (never echoing it). */
export function checkAdminToken(
  options: { token?: unknown } | undefined,
): string {
  const token = options?.token;
  if (!isWord(token)) {
    throw new JobsConfigurationError(Messages.invalidAdminToken(token));
  }
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new JobsConfigurationError(
      Messages.adminTokenTooShort(token.length, MIN_ADMIN_TOKEN_LENGTH),
    );
  }
  return token;
}

/** The admin API's mount path, or `JobsConfigurationError`: routes are fixed at boot. */
export function checkAdminPath(path: unknown): string {
  if (!isUrlPath(path))
    throw new JobsConfigurationError(Messages.invalidAdminPath(path));
  return path;
}

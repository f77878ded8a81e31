import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';
import { JobsConfigurationError } from '../errors/jobs-configuration.error';
import { Messages } from '../jobs.messages';

/**
 * Without a source of options, `ConfigurableModuleBuilder` would register a provider with no token and Nest
 * would fail later with a message about an undefined provider; this names the method and the fix instead.
 */
export function assertAsyncOptions(
  method: string,
  factoryMethod: string,
  options: ConfigurableModuleAsyncOptions<unknown, string> | undefined,
): void {
  if (!options?.useFactory && !options?.useClass && !options?.useExisting) {
    throw new JobsConfigurationError(
      Messages.asyncOptionsMissing(method, factoryMethod),
    );
  }
}

/** A mistake in the configuration: the gateway stops with this one line and exit code 2. */
export class ConfigError extends Error {}

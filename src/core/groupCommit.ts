import { observeGroupCommit } from '../metrics';
import type { AcceptStore, Submission, SubmissionResult } from './accept';

/** Rows one group writes at most; a bigger submission is a group of its own. */
const MAX_GROUP_ROWS = 5000;

interface Waiting {
  submission: Submission;
  resolve(result: SubmissionResult): void;
  reject(err: unknown): void;
}

/**
 * Group commit: submissions that arrive together, from any face and any account, are written in
 * one transaction, and each caller is answered after the commit that holds its rows. The window
 * adapts by itself: the first submission on an idle gateway waits only for the I/O already read
 * in this turn of the event loop (setImmediate); while a commit is in flight the next group
 * gathers, and it is written as soon as that commit returns.
 */
export class GroupCommit {
  private readonly waiting: Waiting[] = [];
  private flushing = false;
  private scheduled = false;
  /** Groups written and submissions in them, for the operators (and the tests that prove grouping). */
  readonly stats = { groups: 0, submissions: 0 };

  constructor(private readonly store: AcceptStore) {}

  add(submission: Submission): Promise<SubmissionResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ submission, resolve, reject });
      if (!this.flushing && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.nextGroup();
        this.stats.groups++;
        this.stats.submissions += group.length;
        observeGroupCommit(group.length);
        try {
          const results = await this.store.commit(group.map((w) => w.submission));
          group.forEach((w, i) => {
            w.resolve(results[i]!);
          });
        } catch (err) {
          // The transaction is gone as a whole: nothing of any submission in it was kept.
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The oldest submissions, in arrival order, up to MAX_GROUP_ROWS rows (always at least one). */
  private nextGroup(): Waiting[] {
    let rows = 0;
    let n = 0;
    while (n < this.waiting.length) {
      const s = this.waiting[n]!.submission;
      const size = s.valid.length + s.invalid.length;
      if (n > 0 && rows + size > MAX_GROUP_ROWS) break;
      rows += size;
      n++;
    }
    return this.waiting.splice(0, n);
  }
}

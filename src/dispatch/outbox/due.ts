/**
 * The claim's condition and order, shared by both dialects. Fresh rows (next_attempt_at NULL, which
 * sorts first) go out in arrival order, then retries and expired leases by their time: exactly the
 * order of idx_send_due, so the claim reads the due rows off the front of the index however many
 * final rows the table holds. Parameters: now, now, now.
 */
export const DUE = `STATUS = 0 AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
  AND (lease_until IS NULL OR lease_until < ?) AND (scheduled_at IS NULL OR scheduled_at <= ?)
  ORDER BY next_attempt_at, ID`;

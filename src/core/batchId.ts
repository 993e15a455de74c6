/**
 * 20-digit batch ids (业务编号, as the seeds' vendors return): yyyyMMddHHmmss, two digits of node
 * id, four of sequence. Unique per node by construction: when a second's 10,000 ids are used up
 * the clock part moves on to the next second instead of repeating.
 */
export class BatchIdGenerator {
  private second = 0;
  private sequence = 0;

  constructor(private readonly nodeId: number, private readonly now: () => number = Date.now) {
    if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > 99) throw new Error('node id must be 0..99');
  }

  next(): string {
    const current = Math.floor(this.now() / 1000);
    if (current > this.second) {
      this.second = current;
      this.sequence = 0;
    } else if (this.sequence >= 10000) {
      this.second++;
      this.sequence = 0;
    }
    const seq = this.sequence++;
    return compactTimestamp(new Date(this.second * 1000)) + pad(this.nodeId, 2) + pad(seq, 4);
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function compactTimestamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1, 2)}${pad(d.getDate(), 2)}${pad(d.getHours(), 2)}${pad(d.getMinutes(), 2)}${pad(d.getSeconds(), 2)}`;
}

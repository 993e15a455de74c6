/**
 * 20-digit batch ids (业务编号, as the seeds' vendors return): the acceptance time as
 * yyyyMMddHHmmss, then the last six digits of the batch row's database id. Ids the database hands
 * out are distinct across all nodes, so two batches share an id only if a million others were
 * accepted between them within the same second.
 */
export function batchIdFor(acceptedAt: Date, batchRowId: number): string {
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  const d = acceptedAt;
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}${p(batchRowId % 1_000_000, 6)}`;
}

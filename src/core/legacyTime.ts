/**
 * Times as the legacy Java vendors printed them: java.sql.Timestamp#toString, local time,
 * fractional seconds without trailing zeros and never empty ("2012-08-16 01:05:39.0").
 */
export function javaTimestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const fraction = String(d.getMilliseconds()).padStart(3, '0').replace(/0+$/, '') || '0';
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${fraction}`;
}

/** A time as the UMS contract and seed 000's pushes write it: China time (UTC+8), `yyyy-MM-dd HH:mm:ss`. */
export function chinaTime(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

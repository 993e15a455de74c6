/**
 * How many billable messages a text makes. A message holds 70 characters; a long text sent as
 * one concatenated message (isLongSms=1) loses 3 characters a part to the concatenation header,
 * so it costs ceil(n/67); sent as ordinary messages (isLongSms=0) it is cut every 70 characters.
 * Characters are UTF-16 code units, as carriers count UCS-2 and as the Java vendors counted
 * with String#length: an emoji outside the BMP is two.
 */
export const SINGLE_MESSAGE_CHARS = 70;
export const LONG_PART_CHARS = 67;

export function characterCount(content: string): number {
  return content.length;
}

export function segmentCount(content: string, isLong: boolean): number {
  const n = characterCount(content);
  if (n <= SINGLE_MESSAGE_CHARS) return 1;
  return Math.ceil(n / (isLong ? LONG_PART_CHARS : SINGLE_MESSAGE_CHARS));
}

import iconv from 'iconv-lite';

/**
 * The userApi family sends BASE64(password). Java callers encoded `str.getBytes()` in the
 * platform charset, which was GBK on Chinese Windows, so bytes that are not valid UTF-8 are read as GBK.
 */
export function decodeBase64Password(encoded: string | null): string {
  if (!encoded) return '';
  const compact = encoded.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return '';
  const bytes = Buffer.from(compact, 'base64');
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return utf8.includes('\uFFFD') ? iconv.decode(bytes, 'gbk') : utf8;
}

import iconv from 'iconv-lite';

/**
 * What the gateway writes where a legacy contract says GBK or GB2312: GB18030 bytes. They are the
 * GBK bytes of every character GBK has (all of GB2312's, and 镕), and carry the rest (an emoji) as
 * GB18030's four-byte sequences instead of the question marks a GBK encoder would leave.
 */
export const LEGACY_GBK = 'gb18030';

/** Text in GBK bytes, for an XML document declared GB2312: characters GBK lacks as character references, which every parser reads. */
export function gbkXml(xml: string): Buffer {
  const escaped = [...xml].map((c) => (iconv.decode(iconv.encode(c, 'gbk'), 'gbk') === c ? c : `&#x${c.codePointAt(0)!.toString(16)};`));
  return iconv.encode(escaped.join(''), 'gbk');
}

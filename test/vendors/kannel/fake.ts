import iconv from 'iconv-lite';
import { type FakeServer, formPairs, percentBytes, startFakeServer } from '../support';

/**
 * An SMSC behind Kannel's generic HTTP SMSC connection (Kannel user's guide, "HTTP-based relay and content
 * gateways", system-type generic): Kannel GETs `send-url` with its escape codes filled in (SMSC_SEND_QUERY), the SMSC
 * answers a line Kannel's status-success-regex / status-permfail-regex and generic-foreign-id-regex read (KANNEL_SMSC);
 * later the SMSC GETs Kannel's smsc `port` with `dlr-mid`, `dlr-mask` (the DLR type) and `text` for a delivery report,
 * or `from`, `to`, `text` and `coding` for a message from a handset.
 */

/** The `send-url` query Kannel fills in: %p the receiver, %P the sender, %b the message bytes, %c coding, %C charset, %u UDH. */
export const SMSC_SEND_QUERY = 'to=%p&from=%P&text=%b&coding=%c&charset=%C&udh=%u';

/** The smsc group variables that read this SMSC's answers. */
export const KANNEL_SMSC = {
  'status-success-regex': '^ACK ',
  'status-permfail-regex': '^NACK',
  'generic-foreign-id-regex': '^ACK ([0-9A-F]+)$',
};

/** A message as the handset shows it: its parts joined. */
export interface SmscMessage {
  to: string;
  from: string;
  text: string;
  /** Kannel's coding and charset of the bytes (2 and UTF-16BE for UCS-2). */
  coding: string;
  charset: string;
  /** The SMSC's id of each part, in order. */
  partIds: string[];
}

export class FakeKannelSmsc {
  readonly messages: SmscMessage[] = [];
  /** Numbers this SMSC refuses (NACK): Kannel fails them for good. */
  readonly refused = new Set<string>();
  /** Where Kannel takes DLRs and messages from handsets (its smsc `port`). */
  kannelUrl = '';
  private nextId = 0xa000;
  private readonly parts = new Map<string, { total: number; texts: Map<number, string>; ids: Map<number, string> }>();

  private constructor(private readonly server: FakeServer) {}

  static async start(): Promise<FakeKannelSmsc> {
    let smsc: FakeKannelSmsc | undefined;
    const server = await startFakeServer((req, res) => {
      const answer = smsc!.submit(req.rawQuery);
      res.setHeader('content-type', 'text/plain');
      res.end(answer);
    });
    smsc = new FakeKannelSmsc(server);
    return smsc;
  }

  get url(): string {
    return this.server.url;
  }

  /** A delivery report for one part: `type` as Kannel's DLR types (1 delivered, 2 failed), the text an SMPP-style receipt. */
  async report(id: string, to: string, type: number, stat: string): Promise<{ status: number; text: string }> {
    const text = `id:${id} sub:001 dlvrd:${type === 1 ? '001' : '000'} stat:${stat} err:${type === 1 ? '000' : '012'}`;
    const query = new URLSearchParams({ 'dlr-mid': id, 'dlr-mask': String(type), to, text });
    const res = await fetch(`${this.kannelUrl}/?${query}`);
    return { status: res.status, text: await res.text() };
  }

  /** A message from a handset, in UCS-2 (coding 2), its bytes percent-encoded. */
  async fromHandset(from: string, to: string, text: string): Promise<{ status: number; text: string }> {
    const bytes = [...Buffer.from(text, 'utf16le').swap16()].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
    const res = await fetch(`${this.kannelUrl}/?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&text=${bytes}&coding=2`);
    return { status: res.status, text: await res.text() };
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private submit(rawQuery: string): string {
    const raw = new Map(formPairs(rawQuery));
    const field = (name: string) => iconv.decode(percentBytes(raw.get(name) ?? ''), 'utf-8');
    const to = field('to');
    if (this.refused.has(to)) return 'NACK number barred';
    const charset = field('charset') || 'UTF-8';
    const text = iconv.decode(percentBytes(raw.get('text') ?? ''), charset);
    const udh = percentBytes(raw.get('udh') ?? '');
    const id = (this.nextId++).toString(16).toUpperCase();
    const base = { to, from: field('from'), coding: field('coding'), charset };
    // UDH 05 00 03 ref total seq: a part of a concatenated message.
    if (udh.length === 6 && udh[1] === 0x00) {
      const key = JSON.stringify([to, udh[3]]);
      const parts = this.parts.get(key) ?? { total: udh[4]!, texts: new Map(), ids: new Map() };
      parts.texts.set(udh[5]!, text);
      parts.ids.set(udh[5]!, id);
      this.parts.set(key, parts);
      if (parts.texts.size === parts.total) {
        this.parts.delete(key);
        const order = [...parts.texts.keys()].sort((a, b) => a - b);
        this.messages.push({ ...base, text: order.map((n) => parts.texts.get(n)).join(''), partIds: order.map((n) => parts.ids.get(n)!) });
      }
    } else this.messages.push({ ...base, text, partIds: [id] });
    return `ACK ${id}`;
  }
}

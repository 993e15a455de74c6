import type { AddressInfo } from 'node:net';
import { createServer, errors, PDU, type Server, type Session, type ShortMessage } from 'smpp';

/**
 * An SMSC for the tests, on the smpp package's server side, written from SMPP 3.4: bind_transceiver checked against
 * one account (ESME_RINVSYSID / ESME_RINVPASWD otherwise, 4.1.5), submit_sm only on a bound session (ESME_RINVBNDSTS),
 * short_message read by its data_coding and, with the UDH indicator (esm_class 0x40), its concatenation IE (3GPP
 * 23.040 9.2.3.24.1) joined into whole messages; submit_sm_resp with a message_id; delivery receipts in the Appendix B
 * text format as deliver_sm (esm_class 0x04) when registered_delivery asks for them; inbound messages as deliver_sm
 * in UCS-2. It can answer ESME_RTHROTTLED, refuse a number, and drop every connection.
 */

export const SMSC_ACCOUNT = { systemId: 'gw_esme', password: 's3cret', systemType: 'SMSGW' };

/** A message as the handset would show it: its parts joined. */
export interface ReceivedMessage {
  source: string;
  destination: string;
  text: string;
  dataCoding: number;
  /** The SMSC message id of each part, in part order. */
  partIds: string[];
  /** The UDH reference the parts shared (null for a one-part message). */
  reference: number | null;
}

export interface SubmitRecord {
  at: number;
  destination: string;
  status: number;
}

interface Concat {
  reference: number;
  total: number;
  sequence: number;
}

export class FakeSmsc {
  readonly messages: ReceivedMessage[] = [];
  readonly submits: SubmitRecord[] = [];
  readonly binds: { systemId: string; accepted: boolean }[] = [];
  enquireLinks = 0;
  unbinds = 0;
  /** The most submit_sm answered at once (a test SMSC holds answers back with `answerDelayMs`). */
  maxOutstanding = 0;
  /** Submits still to answer ESME_RTHROTTLED. */
  throttleNext = 0;
  /** Numbers answered ESME_RINVDSTADR. */
  readonly badNumbers = new Set<string>();
  /** Receipt stat per number (DELIVRD unless set). */
  readonly receiptStat = new Map<string, string>();
  answerDelayMs = 0;
  sendReceipts = true;
  /**
   * From submit_sm_resp to its receipt. A real receipt comes seconds later; 0 (the default) sends it in the same write
   * as the resp, as an SMSC that has the answer at once may: the receipt then races the dispatcher recording the id,
   * and is parked until the id is recorded.
   */
  receiptDelayMs = 0;
  private receiptSequence = 0x7000_0000;
  private outstanding = 0;
  private nextId = 0x5a000;
  private readonly parts = new Map<string, { total: number; texts: Map<number, string>; ids: Map<number, string> }>();
  private readonly bound = new Set<Session>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeSmsc> {
    let smsc: FakeSmsc | undefined;
    const server = createServer((session) => smsc!.accept(session));
    smsc = new FakeSmsc(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return smsc;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get boundSessions(): number {
    return this.bound.size;
  }

  /** An inbound message from a handset to `destination`, in UCS-2 (data_coding 8); resolves with the ESME's command_status. */
  inbound(source: string, destination: string, text: string): Promise<number> {
    return this.inboundPart(source, destination, Buffer.from(text, 'utf16le').swap16(), 0);
  }

  /** One deliver_sm of UCS-2 bytes as they are (after a UDH when esm_class has 0x40), to the newest bound ESME. */
  inboundPart(source: string, destination: string, shortMessage: Buffer, esmClass: number): Promise<number> {
    const session = [...this.bound].at(-1);
    if (!session) throw new Error('no bound ESME to deliver to');
    return new Promise((resolve) => {
      session.deliver_sm(
        { source_addr: source, destination_addr: destination, esm_class: esmClass, data_coding: 8, short_message: shortMessage },
        (resp) => resolve(resp.command_status),
      );
    });
  }

  /** Closes every ESME connection at once, as a restarting SMSC does. */
  dropConnections(): void {
    for (const session of this.server.sessions) session.destroy();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(session: Session): void {
    session.on('error', () => {});
    session.on('close', () => this.bound.delete(session));
    session.on('pdu', (pdu: PDU) => {
      if (pdu.isResponse()) return;
      switch (pdu.command) {
        case 'bind_transceiver':
          return this.bind(session, pdu);
        case 'submit_sm':
          return this.submit(session, pdu);
        case 'enquire_link':
          this.enquireLinks++;
          session.send(pdu.response());
          return;
        case 'unbind':
          this.unbinds++;
          this.bound.delete(session);
          session.send(pdu.response());
          return;
        default:
          session.send(pdu.response({ command_status: errors.ESME_RINVCMDID }));
      }
    });
  }

  private bind(session: Session, pdu: PDU): void {
    const status =
      pdu.system_id !== SMSC_ACCOUNT.systemId || pdu.system_type !== SMSC_ACCOUNT.systemType
        ? errors.ESME_RINVSYSID
        : pdu.password !== SMSC_ACCOUNT.password
          ? errors.ESME_RINVPASWD
          : errors.ESME_ROK;
    this.binds.push({ systemId: pdu.system_id ?? '', accepted: status === errors.ESME_ROK });
    if (status === errors.ESME_ROK) this.bound.add(session);
    session.send(pdu.response({ command_status: status, system_id: 'FAKESMSC' }));
  }

  private submit(session: Session, pdu: PDU): void {
    const destination = pdu.destination_addr ?? '';
    const answer = (status: number, messageId = '') => {
      this.submits.push({ at: Date.now(), destination, status });
      session.send(pdu.response({ command_status: status, message_id: messageId }));
    };
    const refusal = !this.bound.has(session)
      ? errors.ESME_RINVBNDSTS
      : this.throttleNext > 0
        ? errors.ESME_RTHROTTLED
        : this.badNumbers.has(destination)
          ? errors.ESME_RINVDSTADR
          : errors.ESME_ROK;
    if (refusal === errors.ESME_RTHROTTLED) this.throttleNext--;
    if (refusal !== errors.ESME_ROK) {
      answer(refusal);
      return;
    }
    const sm = pdu.short_message as ShortMessage;
    const text = typeof sm.message === 'string' ? sm.message : sm.message.toString('latin1');
    const concat = (pdu.esm_class ?? 0) & 0x40 ? concatenation(sm.udh ?? []) : null;
    const id = (this.nextId++).toString(16).toUpperCase();
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    setTimeout(() => {
      this.outstanding--;
      this.received(pdu, text, id, concat);
      const receipt = this.sendReceipts && (pdu.registered_delivery ?? 0) & 0x01 ? this.receipt(pdu, id) : null;
      if (receipt && this.receiptDelayMs === 0) {
        this.submits.push({ at: Date.now(), destination, status: errors.ESME_ROK });
        session.socket.write(Buffer.concat([pdu.response({ message_id: id }).toBuffer(), receipt.toBuffer()]));
        return;
      }
      answer(errors.ESME_ROK, id);
      if (receipt) setTimeout(() => session.send(receipt), this.receiptDelayMs);
    }, this.answerDelayMs);
  }

  private received(pdu: PDU, text: string, id: string, concat: Concat | null): void {
    const base = { source: pdu.source_addr ?? '', destination: pdu.destination_addr ?? '', dataCoding: pdu.data_coding ?? 0 };
    if (!concat) {
      this.messages.push({ ...base, text, partIds: [id], reference: null });
      return;
    }
    const key = JSON.stringify([base.source, base.destination, concat.reference]);
    const parts = this.parts.get(key) ?? { total: concat.total, texts: new Map(), ids: new Map() };
    parts.texts.set(concat.sequence, text);
    parts.ids.set(concat.sequence, id);
    this.parts.set(key, parts);
    if (parts.texts.size < parts.total) return;
    this.parts.delete(key);
    const order = [...parts.texts.keys()].sort((a, b) => a - b);
    this.messages.push({
      ...base,
      text: order.map((n) => parts.texts.get(n)).join(''),
      partIds: order.map((n) => parts.ids.get(n)!),
      reference: concat.reference,
    });
  }

  /** Appendix B: `id:… sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000 text:…`. */
  private receipt(submitted: PDU, id: string): PDU {
    const stat = this.receiptStat.get(submitted.destination_addr ?? '') ?? 'DELIVRD';
    const now = smppDate(new Date());
    const text = `id:${id} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:${now} done date:${now} stat:${stat} err:${stat === 'DELIVRD' ? '000' : '012'} text:`;
    return new PDU('deliver_sm', {
      sequence_number: this.receiptSequence++,
      source_addr: submitted.destination_addr,
      destination_addr: submitted.source_addr,
      esm_class: 0x04,
      data_coding: 0,
      short_message: Buffer.from(text, 'ascii'),
    });
  }
}

function concatenation(udh: Buffer[]): Concat | null {
  const ie = udh.find((e) => e[0] === 0x00 && e[1] === 3);
  return ie ? { reference: ie[2]!, total: ie[3]!, sequence: ie[4]! } : null;
}

/** YYMMDDhhmm in China time. */
function smppDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().replace(/\D/g, '').slice(2, 12);
}

import { Writable } from 'node:stream';
import { Client, FileType, FTPError } from 'basic-ftp';
import iconv from 'iconv-lite';
import type { DeliveryReport } from '../../core/reports';
import type { Charset } from '../settings';

export interface ReceiptFtp {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Directory of the receipt files; '' is the login directory. */
  dir: string;
  /** Where taken files are moved; '' deletes them. */
  doneDir: string;
  prefix: string;
  timeoutMs: number;
}

/**
 * The vendor's FTP drop of receipt files, read as a fetch-once queue.
 *
 * - A file is read once its size is the same at two listings in a row (one poll interval), so one
 *   the vendor is still writing is not taken half-written.
 * - Files read by a fetch are deleted (or moved to `doneDir`) at the start of the next fetch: the
 *   poller stores what a fetch returned before it fetches again, so a file is only removed once
 *   its receipts are stored. A fetch that fails midway returns nothing and forgets what it read,
 *   so the next one reads those files again; a removal that fails is tried again next time, and
 *   the file is not handed out meanwhile.
 * - Short of a crash between storing and removing, nothing is read twice; after one, the repeated
 *   receipts find their rows final already and change nothing.
 * - The FTP session is kept between polls (stop() closes it).
 */
export class ReceiptBox {
  /** Files the last fetch handed out, removed at the next fetch. */
  private handedOut: string[] = [];
  /** Each file's size at the previous listing. */
  private sizes = new Map<string, number>();

  constructor(
    private readonly ftp: ReceiptFtp,
    private readonly parse: (text: string) => DeliveryReport[],
    private readonly charset: Charset,
  ) {}

  /** The FTP session, kept between polls; opened again when it was closed or broke. */
  private client: Client | null = null;

  async fetch(): Promise<DeliveryReport[]> {
    const reused = this.client !== null && !this.client.closed;
    try {
      return await this.fetchWith(await this.connect());
    } catch (err) {
      // The server answered (an FTPError): the session is fine and the poll simply failed. Otherwise
      // the session broke; a kept one may have been dropped by the server while idle, so try a fresh one once.
      if (err instanceof FTPError) throw err;
      this.close();
      if (!reused) throw err;
      try {
        return await this.fetchWith(await this.connect());
      } catch (again) {
        if (!(again instanceof FTPError)) this.close();
        throw again;
      }
    }
  }

  close(): void {
    this.client?.close();
    this.client = null;
  }

  private async connect(): Promise<Client> {
    if (this.client && !this.client.closed) return this.client;
    const client = new Client(this.ftp.timeoutMs);
    try {
      await client.access({ host: this.ftp.host, port: this.ftp.port, user: this.ftp.user, password: this.ftp.password, secure: false });
      if (this.ftp.dir) await client.cd(this.ftp.dir);
    } catch (err) {
      client.close();
      throw err;
    }
    this.client = client;
    return client;
  }

  private async fetchWith(client: Client): Promise<DeliveryReport[]> {
    await this.removeHandedOut(client);
    const listing = (await client.list()).filter((f) => f.type === FileType.File && f.name.startsWith(this.ftp.prefix));
    const previous = this.sizes;
    this.sizes = new Map(listing.map((f) => [f.name, f.size]));
    const settled = listing.filter((f) => previous.get(f.name) === f.size).sort((a, b) => a.name.localeCompare(b.name));
    const reports: DeliveryReport[] = [];
    const taken: string[] = [];
    for (const file of settled) {
      reports.push(...this.parse(iconv.decode(await download(client, file.name), this.charset)));
      taken.push(file.name);
    }
    this.handedOut = taken;
    return reports;
  }

  private async removeHandedOut(client: Client): Promise<void> {
    if (this.handedOut.length === 0) return;
    if (this.ftp.doneDir) await client.sendIgnoringError(`MKD ${this.ftp.doneDir}`);
    while (this.handedOut.length > 0) {
      const name = this.handedOut[0]!;
      try {
        if (this.ftp.doneDir) await client.rename(name, `${this.ftp.doneDir.replace(/\/+$/, '')}/${name}`);
        else await client.remove(name);
      } catch (err) {
        // 550: the file is gone already, or (moving) its name is taken in doneDir; what is left to do is delete it.
        if (!(err instanceof FTPError && err.code === 550)) throw err;
        if (this.ftp.doneDir) await client.remove(name, true);
      }
      this.handedOut.shift();
      this.sizes.delete(name);
    }
  }
}

async function download(client: Client, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await client.downloadTo(sink, name);
  return Buffer.concat(chunks);
}

import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Core } from '../core';
import type { BreakerStatus } from '../dispatch/breakers';
import { Dispatcher } from '../dispatch/dispatcher';
import { Poller } from '../dispatch/poller';
import { Pusher } from '../dispatch/pusher';
import type { Logger } from '../logger';
import { createVendors } from '../vendors';
import type { Vendor, VendorNews } from '../vendors/types';

/** A template list fetched again on an operator's request: its error, or the book as it now reads. */
export type TemplateRefresh = { failed: string } | { templates: unknown };

/**
 * The delivery side of a gateway: its vendors, the dispatcher, the vendors' pollers and the pusher
 * of reports and replies to customers. It runs in the HTTP thread, or on a thread of its own
 * (DELIVERY_THREAD, ./thread.ts); either way the rest of the gateway sees this.
 */
export interface Delivery {
  breakers(): Promise<BreakerStatus[]>;
  refreshTemplates(vendor: string): Promise<TemplateRefresh>;
  /** Lets the batches in hand finish, then stops every loop and vendor. */
  stop(): Promise<void>;
}

/** Stores what vendors pushed or were polled for: reports and replies. */
export function newsStore(core: Core): (news: VendorNews) => Promise<void> {
  return async (news) => {
    if (news.reports?.length) await core.reports.recordAll(news.reports);
    if (news.replies?.length) await core.replies.recordAll(news.replies);
  };
}

export interface LocalDelivery extends Delivery {
  dispatcher: Dispatcher;
  vendors: Map<string, Vendor>;
}

/** Starts the delivery side in this thread, on this database. */
export function startLocalDelivery(db: DataSource, core: Core, config: Config, log: Logger, vendors?: Map<string, Vendor>): LocalDelivery {
  const store = newsStore(core);
  const own = vendors ?? createVendors(config.vendors, store, log);
  const dispatcher = new Dispatcher(db, own, config, log);
  const pollers = [...own.values()].flatMap((vendor) =>
    (vendor.polls ?? []).map((poll) => new Poller(db, vendor.name, poll, store, dispatcher.owner, log.child({ vendor: vendor.name }))),
  );
  const pusher = new Pusher(db, dispatcher.owner, log.child({ loop: 'push' }), config.pushIntervalMs, config.pushRetryBaseMs);
  dispatcher.start();
  for (const poller of pollers) poller.start();
  pusher.start();
  return {
    dispatcher,
    vendors: own,
    breakers: async () => dispatcher.breakers.status(config.vendors.keys()),
    async refreshTemplates(name) {
      const list = own.get(name)?.templates;
      if (!list?.list) return { failed: `vendor ${name} lists no templates to fetch` };
      const failed = await list.list.refresh();
      return failed ? { failed: failed.message } : { templates: list.book.describe() };
    },
    async stop() {
      await dispatcher.stop();
      await pusher.stop();
      for (const poller of pollers) await poller.stop();
      for (const vendor of own.values()) await vendor.stop?.();
    },
  };
}

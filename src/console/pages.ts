import type { Account, BalanceLedger, Send } from '../../entities';
import { balanceOf, POOLS, type Pool } from '../core/accounts';
import type { BreakerStatus } from '../dispatch/breakers';
import { html, type SafeHtml } from './html';
import { csrfField, notice } from './layout';
import type { OutboxDepth } from '../dispatch/outbox/depth';
import type { PerMinute, VendorDelivery } from './queries';

/** The legacy pools as operators name them (smstype 0, 1, 2). */
const POOL_LABELS: Record<Pool, string> = { 0: '卡发', 1: '网关', 2: '会员' };

/** The `send` STATUS codes (docs/send-table.md) in words. */
const STATUS_LABELS: Record<number, string> = { 0: '等待发送', 1: '已提交', 2: '已送达', 3: '失败' };

const BREAKER_LABELS: Record<BreakerStatus['state'], string> = {
  closed: '正常',
  open: '熔断',
  'half-open': '试探',
  off: '未启用',
};

const SERIES_LABELS = { accepted: '受理', dispatched: '提交', delivered: '送达', failed: '失败' } as const;

export interface Overview {
  hours: number;
  series: PerMinute;
  depth: OutboxDepth;
  delivery: VendorDelivery[];
  breakers: BreakerStatus[];
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)}%`;
}

function ageOf(since: Date | null, now: Date): string {
  if (!since) return '—';
  const s = Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000));
  return s < 120 ? `${s} 秒` : `${Math.round(s / 60)} 分钟`;
}

export function overviewPage(o: Overview, now = new Date()): SafeHtml {
  const totals = Object.fromEntries(Object.entries(o.series.counts).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0)]));
  // The chart's data rides in an attribute, escaped like any value, so no inline script is needed (the CSP forbids them).
  const chartData = JSON.stringify({ x: o.series.minutes, series: o.series.counts, labels: SERIES_LABELS });
  return html`<section class="cards">
  ${Object.entries(SERIES_LABELS).map(([k, label]) => html`<div class="card"><span>${label}</span><strong id="total-${k}">${totals[k] ?? 0}</strong></div>`)}
</section>
<section>
  <h2>每分钟条数(最近 ${o.hours} 小时)</h2>
  <div id="chart" class="chart" data-series="${chartData}"></div>
</section>
<div class="columns">
<section>
  <h2>待发队列</h2>
  <table class="kv">
    <tr><th>等待发送</th><td id="depth-waiting">${o.depth.waiting}</td></tr>
    <tr><th>发送中(已租用)</th><td>${o.depth.leased}</td></tr>
    <tr><th>定时待发</th><td>${o.depth.scheduled}</td></tr>
    <tr><th>已提交待报告</th><td>${o.depth.submitted}</td></tr>
    <tr><th>最久等待</th><td>${ageOf(o.depth.oldestWaitingAt, now)}</td></tr>
  </table>
</section>
<section>
  <h2>通道送达率(最近 ${o.hours} 小时)</h2>
  <table>
    <thead><tr><th>通道</th><th>送达</th><th>失败</th><th>待报告</th><th>送达率</th><th>熔断器</th></tr></thead>
    <tbody>
    ${vendorRows(o)}
    </tbody>
  </table>
</section>
</div>`;
}

function vendorRows(o: Overview): SafeHtml[] {
  const names = [...new Set([...o.breakers.map((b) => b.vendor), ...o.delivery.map((d) => d.vendor)])];
  if (names.length === 0) return [html`<tr><td colspan="6">没有通道</td></tr>`];
  return names.map((name) => {
    const d = o.delivery.find((x) => x.vendor === name) ?? { delivered: 0, failed: 0, pending: 0 };
    const b = o.breakers.find((x) => x.vendor === name);
    return html`<tr><td>${name}</td><td>${d.delivered}</td><td>${d.failed}</td><td>${d.pending}</td><td>${percent(d.delivered, d.delivered + d.failed)}</td><td>${b ? breakerCell(b) : '—'}</td></tr>`;
  });
}

function breakerCell(b: BreakerStatus): SafeHtml {
  return html`<span class="state ${b.state}" title="${b.lastFailure ?? ''}">${BREAKER_LABELS[b.state]}</span>`;
}

/** The rows of `send` as the search and failure pages show them. */
function sendTable(rows: Send[], usernames: Map<number, string>): SafeHtml {
  if (rows.length === 0) return html`<p class="empty">没有记录</p>`;
  return html`<table class="rows">
  <thead><tr><th>ID</th><th>批次号</th><th>流水号</th><th>账户</th><th>号码</th><th>内容</th><th>状态</th><th>尝试</th><th>通道</th><th>通道消息ID</th><th>报告</th><th>受理时间</th><th>提交时间</th><th>报告时间</th><th>原因</th></tr></thead>
  <tbody>
  ${rows.map(
    (r) =>
      html`<tr><td>${r.ID}</td><td>${r.batchId}</td><td>${r.serial}</td><td>${r.accountId === null ? '' : (usernames.get(r.accountId) ?? r.accountId)}</td><td>${r.infoto}</td><td class="content">${r.content}</td><td class="status s${r.STATUS}">${STATUS_LABELS[r.STATUS] ?? r.STATUS}</td><td>${r.attempts}</td><td>${r.vendor}</td><td>${r.vendorMsgId}</td><td>${r.reportStatus}</td><td class="time">${r.Createtime}</td><td class="time">${r.submittedAt}</td><td class="time">${r.reportTime}</td><td>${r.lastError}</td></tr>`,
  )}
  </tbody>
</table>`;
}

export function searchPage(term: string, rows: Send[] | null, usernames: Map<number, string>): SafeHtml {
  return html`<form method="get" action="/console/search" class="search">
  <label>号码、批次号、流水号或通道消息ID <input type="search" name="q" value="${term}" autofocus required></label>
  <button type="submit">查询</button>
</form>
${rows === null ? html`` : html`<p class="count">${rows.length} 条记录</p>${sendTable(rows, usernames)}`}`;
}

export function failuresPage(rows: Send[], usernames: Map<number, string>): SafeHtml {
  return html`<p class="hint">最近 ${rows.length} 条最终失败的号码(已退还计费),最新在前。</p>${sendTable(rows, usernames)}`;
}

export function accountsPage(accounts: Account[]): SafeHtml {
  return html`<table>
  <thead><tr><th>账户</th>${([0, 1, 2] as Pool[]).map((p) => html`<th>${POOL_LABELS[p]}余额</th>`)}<th>路由</th><th>IP 白名单</th><th>扩展号</th><th>企业编号</th><th>状态</th></tr></thead>
  <tbody>
  ${accounts.map(
    (a) =>
      html`<tr><td><a href="/console/accounts/${encodeURIComponent(a.username)}">${a.username}</a></td>${([0, 1, 2] as Pool[]).map((p) => html`<td class="num">${balanceOf(a, p)}</td>`)}<td>${a.route ?? '默认'}</td><td>${a.ipAllow ?? '不限'}</td><td>${a.extNo}</td><td>${a.spCode}</td><td>${a.enabled ? '启用' : '停用'}</td></tr>`,
  )}
  </tbody>
</table>`;
}

export interface AccountView {
  account: Account;
  ledger: BalanceLedger[];
  /** The forbidden words that apply to it: its own and everyone's. */
  words: { word: string; username: string | null }[];
  csrf: string;
  message?: { text: string; kind: 'ok' | 'error' };
}

export function accountPage(v: AccountView): SafeHtml {
  const a = v.account;
  return html`${notice(v.message?.text, v.message?.kind)}
<div class="columns">
<section>
  <h2>余额</h2>
  <table class="kv">
    ${([0, 1, 2] as Pool[]).map((p) => html`<tr><th>${POOL_LABELS[p]} (smstype ${p})</th><td class="num" id="balance-${POOLS[p].name}">${balanceOf(a, p)}</td></tr>`)}
  </table>
  <h2>充值</h2>
  <form method="post" action="/console/accounts/${encodeURIComponent(a.username)}/topup" class="topup">
    ${csrfField(v.csrf)}
    <label>余额池 <select name="pool">${([0, 1, 2] as Pool[]).map((p) => html`<option value="${p}"${p === 1 ? html` selected` : html``}>${POOL_LABELS[p]}</option>`)}</select></label>
    <label>条数 <input type="number" name="amount" required step="1"></label>
    <label>备注 <input type="text" name="notes" maxlength="200"></label>
    <button type="submit">充值</button>
  </form>
  <p class="hint">负数为扣回。</p>
</section>
<section>
  <h2>设置</h2>
  <table class="kv">
    <tr><th>路由</th><td>${a.route ?? '默认路由'}</td></tr>
    <tr><th>IP 白名单</th><td>${a.ipAllow ?? '不限'}</td></tr>
    <tr><th>扩展号</th><td>${a.extNo}</td></tr>
    <tr><th>企业编号</th><td>${a.spCode}</td></tr>
    <tr><th>签名</th><td>${a.signature}</td></tr>
    <tr><th>必须带签名</th><td>${a.requireSignature ? '是' : '否'}</td></tr>
    <tr><th>单号码频率限制</th><td>${a.numberLimits ?? '无'} ${a.numberLimits ? `(${a.numberLimitScope})` : ''}</td></tr>
    <tr><th>状态报告推送</th><td>${a.mrUrl ?? '不推送(客户自取)'}</td></tr>
    <tr><th>上行推送</th><td>${a.moUrl ?? a.umsReplyUrl ?? '不推送(客户自取)'}</td></tr>
    <tr><th>状态</th><td>${a.enabled ? '启用' : '停用'}</td></tr>
    <tr><th>创建时间</th><td>${a.createdAt}</td></tr>
  </table>
  <h2>禁发词</h2>
  ${v.words.length === 0 ? html`<p class="empty">没有禁发词</p>` : html`<ul class="words">${v.words.map((w) => html`<li>${w.word}<small>${w.username === null ? '(全部账户)' : ''}</small></li>`)}</ul>`}
</section>
</div>
<section>
  <h2>最近余额变动</h2>
  <table>
    <thead><tr><th>时间</th><th>余额池</th><th>原条数</th><th>变化</th><th>余量</th><th>业务</th><th>业务号</th><th>操作人</th><th>备注</th></tr></thead>
    <tbody>
    ${v.ledger.map(
      (l) =>
        html`<tr><td class="time">${l.createdAt}</td><td>${POOL_LABELS[l.pool as Pool] ?? l.pool}</td><td class="num">${l.original}</td><td class="num">${l.amount > 0 ? `+${l.amount}` : l.amount}</td><td class="num">${l.remaining}</td><td>${l.business}</td><td>${l.businessNumber}</td><td>${l.operator}</td><td>${l.notes}</td></tr>`,
    )}
    </tbody>
  </table>
</section>`;
}

export interface VendorView {
  name: string;
  type: string;
  /** Its settings with every secret replaced (src/logger.ts's rule). */
  settings: unknown;
  breaker: BreakerStatus | undefined;
  /** The vendor's own balance: a number, why it could not be read, or null when the vendor has no balance call. */
  balance: { balance: number } | { error: string } | null;
}

export function vendorsPage(vendors: VendorView[]): SafeHtml {
  return html`${vendors.map(
    (v) => html`<section class="vendor">
  <h2>${v.name} <small>${v.type}</small> ${v.breaker ? breakerCell(v.breaker) : html``}</h2>
  <table class="kv">
    <tr><th>通道余额</th><td class="balance">${v.balance === null ? '该通道不提供余额查询' : 'error' in v.balance ? `查询失败: ${v.balance.error}` : v.balance.balance}</td></tr>
    ${v.breaker?.lastFailure ? html`<tr><th>最近熔断原因</th><td>${v.breaker.lastFailure}</td></tr>` : html``}
  </table>
  <pre class="settings">${JSON.stringify(v.settings, null, 2)}</pre>
</section>`,
  )}`;
}

export interface ContractView {
  name: string;
  paths: readonly string[];
  operations: readonly string[];
}

export function contractsPage(contracts: ContractView[]): SafeHtml {
  return html`<table>
  <thead><tr><th>接口</th><th>地址</th><th>操作</th></tr></thead>
  <tbody>
  ${contracts.map(
    (c) => html`<tr><td>${c.name}</td><td>${c.paths.map((p) => html`<code>${p}</code> `)}</td><td>${c.operations.join(', ')}</td></tr>`,
  )}
  </tbody>
</table>`;
}

export function loginForm(error: string | null): SafeHtml {
  return html`${notice(error, 'error')}
<form method="post" action="/console/login" class="login">
  <label>管理令牌 (ADMIN_TOKEN) <input type="password" name="token" autocomplete="current-password" required autofocus></label>
  <button type="submit">登录</button>
</form>`;
}

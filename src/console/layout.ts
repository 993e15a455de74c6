import { html, type SafeHtml } from './html';

/** The console's pages, in the order of its menu: path, Chinese label (what operators read), English gloss. */
export const PAGES = [
  { path: '/console', label: '概览', gloss: 'overview' },
  { path: '/console/search', label: '查询', gloss: 'search' },
  { path: '/console/accounts', label: '账户', gloss: 'accounts' },
  { path: '/console/vendors', label: '通道', gloss: 'vendors' },
  { path: '/console/contracts', label: '接口', gloss: 'contracts' },
  { path: '/console/failures', label: '失败', gloss: 'failures' },
] as const;

/** A hidden field carrying the session's CSRF token: every POST form of a logged-in page has one. */
export function csrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

function document(title: string, body: SafeHtml, extraHead: SafeHtml = html``): SafeHtml {
  return html`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · 短信网关</title>
<link rel="stylesheet" href="/console/assets/console.css">
${extraHead}
</head>
<body>
${body}
</body>
</html>`;
}

/** A logged-in page: the menu (with logout), a title and the content. */
export function page(current: string, title: string, csrf: string, content: SafeHtml, extraHead?: SafeHtml): SafeHtml {
  const menu = PAGES.map(
    (p) => html`<a href="${p.path}"${p.path === current ? html` class="current" aria-current="page"` : html``}>${p.label}</a>`,
  );
  return document(
    title,
    html`<header>
  <span class="brand">短信网关 控制台</span>
  <nav>${menu}</nav>
  <form method="post" action="/console/logout" class="logout">${csrfField(csrf)}<button type="submit">退出</button></form>
</header>
<main>
<h1>${title}</h1>
${content}
</main>`,
    extraHead,
  );
}

/** A page outside a session (login, disabled console): a title and a message or form. */
export function bare(title: string, content: SafeHtml): SafeHtml {
  return document(title, html`<main class="bare"><h1>${title}</h1>${content}</main>`);
}

/** A message above a page's content: a success, or what to fix. */
export function notice(text: string | null | undefined, kind: 'ok' | 'error' = 'ok'): SafeHtml {
  return text ? html`<p class="notice ${kind}" role="status">${text}</p>` : html``;
}

// The sample's scenarios as real cross-origin requests. `expect` is what the sample's policies intend.
const SCENARIOS = [
  {
    id: 'public',
    title: 'Public status',
    note: "origin: '*' — any site, no cookies",
    method: 'GET',
    path: '/public/status',
    expect: 'allowed',
  },
  {
    id: 'restricted-get',
    title: 'Restricted: list',
    note: 'one origin (this page), GET and POST',
    method: 'GET',
    path: '/restricted',
    expect: 'allowed',
  },
  {
    id: 'restricted-post',
    title: 'Restricted: create with JSON and a token',
    note: 'preflighted: Content-Type and Authorization are allowed',
    method: 'POST',
    path: '/restricted',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer sample-token' },
    body: '{"name":"widget"}',
    expect: 'allowed',
  },
  {
    id: 'restricted-header',
    title: 'Restricted: an extra header',
    note: 'X-Debug is not in allowedHeaders, so the preflight is refused',
    method: 'POST',
    path: '/restricted',
    headers: { 'Content-Type': 'application/json', 'X-Debug': '1' },
    body: '{}',
    expect: 'blocked',
  },
  {
    id: 'restricted-delete',
    title: 'Restricted: DELETE',
    note: 'no DELETE handler there: the preflight is refused',
    method: 'DELETE',
    path: '/restricted',
    expect: 'blocked',
  },
  {
    id: 'account',
    title: 'Account with cookies',
    note: 'credentials: true, X-Request-Id exposed',
    method: 'GET',
    path: '/account',
    credentials: 'include',
    expect: 'allowed',
  },
  {
    id: 'cached',
    title: 'Cached preflight',
    note: 'maxAge: 600 — run it twice: the second time the browser sends no OPTIONS',
    method: 'POST',
    path: '/cached',
    headers: { 'Content-Type': 'application/json' },
    body: '{"n":1}',
    expect: 'allowed',
  },
  {
    id: 'webhook',
    title: 'Payment webhook',
    note: '@Cors(false): server-to-server only',
    method: 'POST',
    path: '/webhooks/payment',
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
    expect: 'blocked',
  },
  {
    id: 'guarded',
    title: 'Guarded without a token',
    note: "the guard's 401 carries CORS headers: the page can read it",
    method: 'GET',
    path: '/guarded',
    expect: 'allowed',
  },
  {
    id: 'guarded-token',
    title: 'Guarded with a token',
    note: 'Authorization: Bearer sample-token',
    method: 'GET',
    path: '/guarded',
    headers: { Authorization: 'Bearer sample-token' },
    expect: 'allowed',
  },
  {
    id: 'tenant',
    title: 'Tenant profile',
    note: 'origins from the database (this page is seeded), with cookies',
    method: 'GET',
    path: '/tenant/profile',
    credentials: 'include',
    expect: 'allowed',
  },
  {
    id: 'graphql-sign-in',
    title: 'GraphQL: sign in (sets a cookie)',
    note: "paths['/graphql']: tenant origins from the database, with cookies — a JSON POST, so preflighted",
    method: 'POST',
    path: '/graphql',
    headers: { 'Content-Type': 'application/json' },
    body: '{"query":"mutation { signIn(user: \\"ada\\") { user signedIn } }"}',
    credentials: 'include',
    expect: 'allowed',
  },
  {
    id: 'graphql-me',
    title: 'GraphQL: who am I (with the cookie)',
    note: 'after sign in, signedIn is true: the browser sent the session cookie cross-origin',
    method: 'POST',
    path: '/graphql',
    headers: { 'Content-Type': 'application/json' },
    body: '{"query":"{ me { user plan calledFrom signedIn } }"}',
    credentials: 'include',
    expect: 'allowed',
  },
  {
    id: 'swagger-json',
    title: 'Swagger JSON',
    note: "paths['/api-json']: '*', for doc viewers on any site",
    method: 'GET',
    path: '/api-json',
    expect: 'allowed',
  },
  {
    id: 'static-file',
    title: 'Static file',
    note: "ServeStaticModule under /static, paths['/static{/*path}']: '*'",
    method: 'GET',
    path: '/static/release-notes.txt',
    expect: 'allowed',
  },
];

// Fetch §CORS-safelisted request-header (by name and value): what the browser sends without asking first.
function isSafelisted(name, value) {
  const n = name.toLowerCase();
  if (n === 'content-type')
    return ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'].includes(value.split(';')[0].trim().toLowerCase());
  return ['accept', 'accept-language', 'content-language'].includes(n);
}

const $ = (sel, root = document) => root.querySelector(sel);
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function row(list, term, value) {
  list.append(el('dt', { textContent: term }), el('dd', { textContent: value }));
}

function unsafeParts(s) {
  const parts = ['GET', 'HEAD', 'POST'].includes(s.method) ? [] : [s.method];
  for (const [n, v] of Object.entries(s.headers ?? {}))
    if (!isSafelisted(n, v)) parts.push(n === 'Content-Type' ? `Content-Type: ${v}` : n);
  return parts;
}

async function explain(api, s) {
  const headers = Object.entries(s.headers ?? {})
    .filter(([n, v]) => !isSafelisted(n, v))
    .map(([n]) => n.toLowerCase());
  const q = new URLSearchParams({ origin: location.origin, method: s.method, path: s.path, headers: headers.join(',') });
  try {
    const res = await fetch(`${api}/cors/explain?${q}`);
    return await res.json();
  } catch (error) {
    return { reason: `explain endpoint unreachable (${error.message})` };
  }
}

async function run(api, s, card) {
  card.removeAttribute('data-result');
  const details = $('dl', card);
  details.replaceChildren();
  let result;
  try {
    const res = await fetch(`${api}${s.path}`, {
      method: s.method,
      headers: s.headers,
      body: s.body,
      credentials: s.credentials ?? 'same-origin',
    });
    const body = await res.text();
    result = { ok: true, status: res.status, statusText: res.statusText, headers: [...res.headers], body };
  } catch (error) {
    result = { ok: false, error: `${error.name}: ${error.message}` };
  }
  const why = await explain(api, s);
  const outcome = result.ok ? 'allowed' : 'blocked';
  card.dataset.result = outcome;
  card.dataset.status = result.ok ? String(result.status) : '';
  const verdict = $('.verdict', card);
  verdict.textContent = result.ok ? `Browser allowed — ${result.status} ${result.statusText}` : `Browser blocked — ${result.error}`;
  verdict.append(el('span', { className: 'expected', textContent: outcome === s.expect ? '✓ as intended' : `✗ expected ${s.expect}` }));
  if (result.ok) {
    row(details, 'headers seen', result.headers.map(([n, v]) => `${n}: ${v}`).join('\n') || '(none)');
    row(details, 'body', result.body.length > 160 ? `${result.body.slice(0, 160)}…` : result.body);
  } else {
    row(details, 'headers seen', 'none: a failed CORS check hides the whole response');
  }
  row(details, 'why', why.reason ?? JSON.stringify(why));
  if (why.route?.kind === 'path') row(details, 'route', `path policy '${why.route.path}' (${why.route.method}; CorsModule paths)`);
  else if (why.route) row(details, 'route', `${why.route.controller}.${why.route.handler} (${why.route.method} ${why.route.path})`);
  // Whether the browser preflights follows from Fetch's rules on the request itself; evaluate() tells the answer.
  const unsafe = unsafeParts(s);
  const p = why.preflight ?? {};
  const answer =
    p.status === undefined
      ? ''
      : ` — answered ${p.status}${
          p.headers && Object.keys(p.headers).length
            ? `: ${Object.entries(p.headers)
                .map(([n, v]) => `${n}: ${v}`)
                .join('; ')}`
            : ''
        }`;
  row(details, 'preflight', unsafe.length ? `sent first (${unsafe.join(', ')} not safelisted)${answer}` : 'none (a simple request)');
  if (why.headers && Object.keys(why.headers).length) {
    row(
      details,
      'server sends',
      Object.entries(why.headers)
        .map(([n, v]) => `${n}: ${v}`)
        .join('; '),
    );
  }
}

// The tenant feed: a Socket.IO gateway at /socket.io/ admitting the tenant origins (this page is seeded). Browsers
// apply no CORS to WebSockets, so the gateway checks the handshake's Origin itself: an unknown origin is refused.
const FEED = {
  id: 'tenant-feed',
  title: 'Tenant live feed (Socket.IO)',
  note: '@Cors({ origin: TenantOrigins, credentials: true }) on a gateway: connects, then changes the plan and waits for the push',
  expect: 'allowed',
};

function loadScript(src) {
  return new Promise((resolve, reject) => {
    if (globalThis.io) return resolve();
    const script = el('script', { src });
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

function connectFeed(api, onProfile) {
  return new Promise((resolve) => {
    const socket = globalThis.io(api, { withCredentials: true, reconnection: false, timeout: 4000 });
    socket.on('profile', onProfile);
    socket.on('connect', () => resolve({ ok: true, socket }));
    socket.on('connect_error', (error) => {
      socket.close();
      resolve({ ok: false, error: `connect_error: ${error.message}` });
    });
  });
}

async function explainFeed(api, origin) {
  const q = new URLSearchParams({ origin, method: 'GET', path: '/socket.io/' });
  try {
    return await (await fetch(`${api}/cors/explain?${q}`)).json();
  } catch (error) {
    return { reason: `explain endpoint unreachable (${error.message})` };
  }
}

async function runFeed(api, card) {
  card.removeAttribute('data-result');
  const details = $('dl', card);
  details.replaceChildren();
  const profiles = [];
  let waiting = null;
  const onProfile = (p) => {
    profiles.push(p);
    if (waiting && p.plan === waiting.plan) waiting.resolve(p);
  };
  let result;
  try {
    await loadScript(`${api}/socket.io/socket.io.js`);
    result = await connectFeed(api, onProfile);
  } catch (error) {
    result = { ok: false, error: error.message };
  }
  let pushed = null;
  if (result.ok) {
    const current = profiles.at(-1)?.plan;
    const plan = ['team', 'enterprise', 'pro'].find((p) => p !== current);
    const arrived = new Promise((resolve) => (waiting = { plan, resolve }));
    await fetch(`${api}/tenant/profile/plan`, {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ plan }),
    });
    pushed = await Promise.race([arrived, new Promise((resolve) => setTimeout(() => resolve(null), 3000))]);
    result.transport = result.socket.io.engine.transport.name;
    result.socket.close();
  }
  const outcome = result.ok && pushed ? 'allowed' : 'blocked';
  const verdict = $('.verdict', card);
  verdict.textContent = result.ok
    ? `Connected over ${result.transport}${pushed ? ` — pushed: plan ${pushed.plan}` : ' — no push arrived'}`
    : `Refused — ${result.error}`;
  verdict.append(
    el('span', { className: 'expected', textContent: outcome === FEED.expect ? '✓ as intended' : `✗ expected ${FEED.expect}` }),
  );
  row(details, 'feed events', profiles.map((p) => `plan ${p.plan} (${p.updatedAt})`).join('\n') || '(none)');
  const why = await explainFeed(api, location.origin);
  row(details, 'why', why.reason ?? JSON.stringify(why));
  if (why.headers && Object.keys(why.headers).length)
    row(
      details,
      'polling headers',
      Object.entries(why.headers)
        .map(([n, v]) => `${n}: ${v}`)
        .join('; '),
    );
  const unknown = await explainFeed(api, 'https://unknown.example');
  row(details, 'unknown origin', `https://unknown.example: ${unknown.reason}`);
  // Last: tests (and readers) take data-result as "the card is complete".
  card.dataset.result = outcome;
}

async function main() {
  const { api } = await (await fetch('/config.json')).json();
  $('#page-origin').textContent = location.origin;
  $('#api-origin').textContent = api;
  const list = $('#scenarios');
  const cards = [];
  for (const s of SCENARIOS) {
    const extra = Object.keys(s.headers ?? {}).length ? ` + ${Object.keys(s.headers).join(', ')}` : '';
    const card = el(
      'section',
      { className: 'card' },
      el('div', { className: 'top' }, el('h2', { textContent: s.title }), el('button', { type: 'button', textContent: 'Run' })),
      el(
        'div',
        { className: 'request' },
        el('code', { textContent: `${s.method} ${s.path}${extra}${s.credentials === 'include' ? ' (with cookies)' : ''}` }),
      ),
      el('p', { className: 'note', textContent: s.note }),
      el('div', { className: 'verdict' }),
      el('dl'),
    );
    card.dataset.scenario = s.id;
    $('button', card).addEventListener('click', () => run(api, s, card));
    list.append(card);
    cards.push([s, card]);
  }
  const feed = el(
    'section',
    { className: 'card' },
    el('div', { className: 'top' }, el('h2', { textContent: FEED.title }), el('button', { type: 'button', textContent: 'Run' })),
    el(
      'div',
      { className: 'request' },
      el('code', { textContent: 'Socket.IO /socket.io/ (with cookies), then POST /tenant/profile/plan' }),
    ),
    el('p', { className: 'note', textContent: FEED.note }),
    el('div', { className: 'verdict' }),
    el('dl'),
  );
  feed.dataset.scenario = FEED.id;
  $('button', feed).addEventListener('click', () => runFeed(api, feed));
  list.append(feed);
  $('#run-all').addEventListener('click', async () => {
    for (const [s, card] of cards) await run(api, s, card);
    await runFeed(api, feed);
  });
  document.body.dataset.ready = 'true';
}

main();

// Connect a social account through the simulator's consent (auto-approved), as a person would:
//   const acc = await connectAccount(srv, owner, ws, 'x');
// Platforms: facebook, instagram (Instagram Login), instagram_fb (through a Page), linkedin,
// youtube, x.  Facebook and Instagram-through-a-Page take the account offered at index pick
// (default the first).
// Returns the stored account ({id, platform, kind, remote_id, ...}).

/** Follow the simulator's redirects back to our callback; returns the app URL we land on. */
async function authorize(srv, client, authorizeUrl) {
  let url = `${authorizeUrl}&sim_approve=allow`;
  for (let i = 0; i < 8 && !url.startsWith(srv.url); i++) {
    const r = await fetch(url, { redirect: 'manual' });
    if (![301, 302, 303].includes(r.status)) throw new Error(`${url}: ${r.status}`);
    url = new URL(r.headers.get('location'), url).toString();
  }
  if (!url.startsWith(srv.url)) throw new Error(`never came back: ${url}`);
  const cb = await client.get(url.slice(srv.url.length));
  if (cb.status !== 302) throw new Error(`callback answered ${cb.status}: ${cb.text}`);
  return new URL(cb.headers.get('location'), srv.url);
}

export async function connectAccount(srv, client, ws, platform, { pick = 0 } = {}) {
  const stored = platform === 'instagram_fb' ? 'instagram' : platform;
  const before = new Set(
    (await client.get(`/api/v1/workspaces/${ws}/accounts`)).json.items.filter((a) => a.platform === stored).map((a) => a.id),
  );
  const start = await client.post(`/api/v1/workspaces/${ws}/accounts/connect`, { platform });
  if (start.status !== 200) throw new Error(`connect ${platform}: ${start.status} ${start.text}`);
  const back = await authorize(srv, client, start.json.authorize_url);
  const pending = back.searchParams.get('pending');
  if (pending) {
    const offer = await client.get(`/api/v1/workspaces/${ws}/accounts/pending/${pending}`);
    const chosen = offer.json.accounts[Math.min(pick, offer.json.accounts.length - 1)];
    const r = await client.post(`/api/v1/workspaces/${ws}/accounts/pending/${pending}`, { remote_ids: [chosen.remote_id] });
    if (r.status !== 200) throw new Error(`choose ${platform}: ${r.status} ${r.text}`);
  } else if (back.searchParams.get('connected') !== '1') {
    throw new Error(`connect ${platform}: ${back}`);
  }
  const after = (await client.get(`/api/v1/workspaces/${ws}/accounts`)).json.items.filter((a) => a.platform === stored);
  return after.find((a) => !before.has(a.id)) || after[after.length - 1];
}

/** Wait until fn() returns a truthy value (polling every 100 ms); throws after ms. */
export async function until(fn, ms = 20000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

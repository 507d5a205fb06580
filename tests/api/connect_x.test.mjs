// Connecting an X account through the simulator: OAuth 2.0 with PKCE, sealed tokens,
// refresh with rotation (single-flight), needs_reconnect, disconnect with revocation,
// key rotation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, sql, runCli, BACKEND } from '../lib/harness.mjs';
import { signup, createWorkspace, addMember, Client } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';

let sim;
let srv;
let owner;
let ws;

before(async () => {
  sim = await startSim();
  srv = await startServer({ env: simEnv(sim.url) });
  owner = await signup(srv, { name: 'Owner' });
  ws = await createWorkspace(owner, 'Social');
});
after(async () => {
  await srv.stop();
  await sim.stop();
});

/** Follow the platform's redirects (auto-approved) until they come back to our callback. */
async function authorize(client, authorizeUrl, decision = 'allow') {
  let url = `${authorizeUrl}&sim_approve=${decision}`;
  for (let i = 0; i < 6; i++) {
    if (url.startsWith(srv.url)) break;
    const r = await fetch(url, { redirect: 'manual' });
    assert.ok([301, 302, 303].includes(r.status), `expected a redirect from ${url}, got ${r.status}`);
    url = new URL(r.headers.get('location'), url).toString();
  }
  assert.ok(url.startsWith(`${srv.url}/api/v1/oauth/x/callback`), url);
  const cb = await client.get(url.slice(srv.url.length));
  assert.equal(cb.status, 302);
  return { callbackUrl: url, location: new URL(cb.headers.get('location')) };
}

async function connectX(client, wsId) {
  const start = await client.post(`/api/v1/workspaces/${wsId}/accounts/connect`, { platform: 'x' });
  assert.equal(start.status, 200, start.text);
  return authorize(client, start.json.authorize_url);
}

async function accounts(client, wsId) {
  return (await client.get(`/api/v1/workspaces/${wsId}/accounts`)).json.items;
}

function tokenRequests() {
  return sim.admin('GET', '/_sim/requests?platform=x').then((r) => r.items.filter((i) => i.path === '/2/oauth2/token').length);
}

describe('connecting X', () => {
  test('the platform list shows the five platforms, TikTok and WhatsApp coming soon', async () => {
    const r = await owner.get('/api/v1/platforms');
    const byId = Object.fromEntries(r.json.items.map((p) => [p.id, p]));
    assert.equal(byId.x.available, true);
    assert.equal(byId.tiktok.coming_soon, true);
    assert.equal(byId.whatsapp.coming_soon, true);
    const refused = await owner.post(`/api/v1/workspaces/${ws}/accounts/connect`, { platform: 'tiktok' });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error.field, 'platform');
  });

  test('the authorize URL asks for the publishing scopes with PKCE S256', async () => {
    const r = await owner.post(`/api/v1/workspaces/${ws}/accounts/connect`, { platform: 'x' });
    const u = new URL(r.json.authorize_url);
    assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
    assert.match(u.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(u.searchParams.get('redirect_uri'), `${srv.url}/api/v1/oauth/x/callback`);
    for (const s of ['tweet.write', 'users.read', 'offline.access', 'media.write']) assert.ok(u.searchParams.get('scope').split(' ').includes(s));
    assert.ok(u.searchParams.get('state').length >= 40);
  });

  test('connect stores the account with its tokens sealed', async () => {
    const { location } = await connectX(owner, ws);
    assert.equal(location.pathname, '/accounts');
    assert.equal(location.searchParams.get('connected'), '1');
    const list = await accounts(owner, ws);
    assert.equal(list.length, 1);
    const a = list[0];
    assert.equal(a.platform, 'x');
    assert.equal(a.status, 'active');
    assert.equal(a.username, 'simdemo');
    assert.equal(a.can_refresh, true);
    const issued = (await sim.admin('GET', '/_sim/tokens?platform=x')).items.map((t) => t.token);
    assert.ok(issued.length >= 2);
    const dump = sql(srv, 'SELECT * FROM social_accounts') + sql(srv, 'SELECT * FROM oauth_states');
    const file = BACKEND === 'sqlite' ? readFileSync(srv.dbFile).toString('latin1') : '';
    const wal = BACKEND === 'sqlite' ? (() => { try { return readFileSync(srv.dbFile + '-wal').toString('latin1'); } catch { return ''; } })() : '';
    for (const t of issued) {
      assert.ok(!dump.includes(t), 'token in a table dump');
      assert.ok(!file.includes(t) && !wal.includes(t), 'token in the database file');
      assert.ok(!srv.logs().includes(t), 'token in the log');
      assert.ok(!JSON.stringify(list).includes(t), 'token in an API answer');
    }
    assert.equal(sql(srv, `SELECT key_version FROM social_accounts WHERE id = ${a.id}`).trim(), '1');
  });

  test('reconnecting the same X account updates it in place', async () => {
    const before = await accounts(owner, ws);
    await connectX(owner, ws);
    const afterList = await accounts(owner, ws);
    assert.equal(afterList.length, 1);
    assert.equal(afterList[0].id, before[0].id);
  });

  test('denied consent, a reused state, another session: clear errors, nothing stored', async () => {
    const other = await signup(srv);
    const ws2 = await createWorkspace(other, 'Denied');
    const start = await other.post(`/api/v1/workspaces/${ws2}/accounts/connect`, { platform: 'x' });
    const { location, callbackUrl } = await authorize(other, start.json.authorize_url, 'deny');
    assert.equal(location.searchParams.get('error'), 'denied');
    assert.match(location.searchParams.get('message'), /denied/);
    assert.equal((await accounts(other, ws2)).length, 0);
    const again = await other.get(callbackUrl.slice(srv.url.length));
    assert.equal(new URL(again.headers.get('location')).searchParams.get('error'), 'state_used');
    // a state started in one browser session cannot be finished in another
    const s2 = await other.post(`/api/v1/workspaces/${ws2}/accounts/connect`, { platform: 'x' });
    const thief = await signup(srv);
    const url = new URL(s2.json.authorize_url);
    const cb = await thief.get(`/api/v1/oauth/x/callback?state=${url.searchParams.get('state')}&code=whatever`);
    assert.equal(new URL(cb.headers.get('location')).searchParams.get('error'), 'state_mismatch');
    const forged = await other.get('/api/v1/oauth/x/callback?state=' + 'A'.repeat(43) + '&code=x');
    assert.equal(new URL(forged.headers.get('location')).searchParams.get('error'), 'state_invalid');
  });

  test('a person demoted while on the platform\'s page connects nothing', async () => {
    const ad = await signup(srv);
    await addMember(owner, ws, ad, 'admin');
    const start = await ad.post(`/api/v1/workspaces/${ws}/accounts/connect`, { platform: 'x' });
    assert.equal(start.status, 200);
    await owner.patch(`/api/v1/workspaces/${ws}/members/${ad.user.id}`, { role: 'viewer' });
    const before = (await accounts(owner, ws)).map((x) => x.token_expires_at);
    const { location } = await authorize(ad, start.json.authorize_url);
    assert.equal(location.searchParams.get('error'), 'forbidden');
    assert.deepEqual((await accounts(owner, ws)).map((x) => x.token_expires_at), before, 'nothing stored or changed');
  });

  test('only owners and admins may connect', async () => {
    const ed = await signup(srv);
    await addMember(owner, ws, ed, 'editor');
    const r = await ed.post(`/api/v1/workspaces/${ws}/accounts/connect`, { platform: 'x' });
    assert.equal(r.status, 403);
    assert.equal((await ed.get(`/api/v1/workspaces/${ws}/accounts`)).status, 200, 'but may see them');
  });
});

describe('tokens', () => {
  test('refresh rotates the pair; concurrent refreshes reach X once', async () => {
    const [a] = await accounts(owner, ws);
    const before = await tokenRequests();
    const r = await owner.post(`/api/v1/workspaces/${ws}/accounts/${a.id}/refresh`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.refreshed, true);
    assert.equal(await tokenRequests(), before + 1);
    // The token nears its end; twelve requests race to refresh it: X sees exactly one.
    sql(srv, `UPDATE social_accounts SET access_expires_at = ${Date.now() + 60000} WHERE id = ${a.id}`);
    const rs = await Promise.all(Array.from({ length: 12 }, () => owner.post(`/api/v1/workspaces/${ws}/accounts/${a.id}/refresh`, { force: false })));
    for (const x of rs) assert.equal(x.status, 200, x.text);
    assert.equal(rs.filter((x) => x.json.refreshed).length, 1);
    assert.equal((await tokenRequests()) - before - 1, 1, 'exactly one refresh reached X');
    // Not due any more: another non-forced refresh does nothing.
    assert.equal((await owner.post(`/api/v1/workspaces/${ws}/accounts/${a.id}/refresh`, { force: false })).json.refreshed, false);
    // the family is alive: the newest refresh token is not revoked
    const toks = (await sim.admin('GET', '/_sim/tokens?platform=x')).items;
    const live = toks.filter((t) => t.kind.startsWith('r') && !t.revoked);
    assert.ok(live.length >= 1, 'a live refresh token remains');
    assert.equal((await accounts(owner, ws))[0].status, 'active');
  });

  test('a ciphertext moved to another row does not open', async () => {
    const o2 = await signup(srv);
    const w2 = await createWorkspace(o2, 'Second');
    await connectX(o2, w2);
    const [a1] = await accounts(owner, ws);
    const [a2] = await accounts(o2, w2);
    sql(srv, `UPDATE social_accounts SET refresh_token_enc = (SELECT refresh_token_enc FROM social_accounts WHERE id = ${a1.id}) WHERE id = ${a2.id}`);
    const r = await o2.post(`/api/v1/workspaces/${w2}/accounts/${a2.id}/refresh`);
    assert.notEqual(r.status, 200);
    assert.match(r.json.error.message, /cannot be read/);
    assert.equal((await accounts(o2, w2))[0].status, 'needs_reconnect');
    assert.equal((await owner.post(`/api/v1/workspaces/${ws}/accounts/${a1.id}/refresh`)).status, 200);
  });

  test('a revoked grant moves the account to needs_reconnect with the reason', async () => {
    const o3 = await signup(srv);
    const w3 = await createWorkspace(o3, 'Revoked');
    const known = new Set((await sim.admin('GET', '/_sim/tokens?platform=x')).items.map((t) => t.token));
    await connectX(o3, w3);
    const [a] = await accounts(o3, w3);
    // revoke this grant only (every X account here is the simulator's one demo user)
    const fresh = (await sim.admin('GET', '/_sim/tokens?platform=x')).items.filter((t) => !known.has(t.token));
    assert.ok(fresh.length >= 2 && fresh[0].family);
    await sim.admin('POST', '/_sim/tokens/revoke', { family: fresh[0].family });
    const r = await o3.post(`/api/v1/workspaces/${w3}/accounts/${a.id}/refresh`);
    assert.equal(r.status, 502);
    const [now] = await accounts(o3, w3);
    assert.equal(now.status, 'needs_reconnect');
    assert.ok(now.status_reason && now.status_reason.length > 10);
    await connectX(o3, w3);
    const [back] = await accounts(o3, w3);
    assert.equal(back.id, a.id);
    assert.equal(back.status, 'active', 'reconnecting heals it in place');
  });

  test('disconnect revokes at X and drops the tokens, keeping the account row', async () => {
    const o4 = await signup(srv);
    const w4 = await createWorkspace(o4, 'Leaving');
    await connectX(o4, w4);
    const [a] = await accounts(o4, w4);
    const revokesBefore = (await sim.admin('GET', '/_sim/requests?platform=x')).items.filter((i) => i.path === '/2/oauth2/revoke').length;
    assert.equal((await o4.del(`/api/v1/workspaces/${w4}/accounts/${a.id}`)).status, 204);
    const revokes = (await sim.admin('GET', '/_sim/requests?platform=x')).items.filter((i) => i.path === '/2/oauth2/revoke').length;
    assert.equal(revokes, revokesBefore + 1);
    const [gone] = await accounts(o4, w4);
    assert.equal(gone.status, 'disconnected');
    assert.equal(sql(srv, `SELECT COUNT(*) FROM social_accounts WHERE id = ${a.id} AND access_token_enc IS NULL AND refresh_token_enc IS NULL`).trim(), '1');
  });

  test('rotate-key re-encrypts every token; the running server keeps working', async () => {
    const r = runCli(['rotate-key', '--data-dir', srv.dataDir], { P2S_DATABASE_URL: srv.dbUrl });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /new key version 2/);
    assert.match(readFileSync(join(srv.dataDir, 'secret.key'), 'utf8'), /^2 [0-9a-f]{64}\n1 [0-9a-f]{64}\n$/);
    assert.match(r.stdout, /1 account\(s\) had tokens that cannot be read/, 'the damaged row from the test above');
    const versions = sql(srv, "SELECT DISTINCT key_version FROM social_accounts WHERE key_version IS NOT NULL AND status = 'active'").trim();
    assert.equal(versions, '2');
    const [a] = await accounts(owner, ws);
    const ref = await owner.post(`/api/v1/workspaces/${ws}/accounts/${a.id}/refresh`);
    assert.equal(ref.status, 200, ref.text);
    // Pages opened before the rotation keep working: their CSRF token is still accepted.
    const p = await owner.patch('/api/v1/me', { timezone: 'Europe/Madrid' });
    assert.equal(p.status, 200, p.text);
  });
});

describe('background refresh', () => {
  test('a token near its end is refreshed without anyone asking', async () => {
    const s2 = await startServer({ env: { ...simEnv(sim.url), P2S_REFRESH_INTERVAL: '1' } });
    try {
      const o = await signup(s2);
      const w = await createWorkspace(o, 'Auto');
      const start = await o.post(`/api/v1/workspaces/${w}/accounts/connect`, { platform: 'x' });
      let url = `${start.json.authorize_url}&sim_approve=allow`;
      while (!url.startsWith(s2.url)) {
        const r = await fetch(url, { redirect: 'manual' });
        url = new URL(r.headers.get('location'), url).toString();
      }
      await o.get(url.slice(s2.url.length));
      const [a] = (await o.get(`/api/v1/workspaces/${w}/accounts`)).json.items;
      const issued = () => sql(s2, `SELECT token_issued_at FROM social_accounts WHERE id = ${a.id}`).trim();
      const first = issued();
      sql(s2, `UPDATE social_accounts SET access_expires_at = ${Date.now() + 120000} WHERE id = ${a.id}`);
      let changed = false;
      for (let i = 0; i < 50 && !changed; i++) {
        await new Promise((r) => setTimeout(r, 200));
        changed = issued() !== first;
      }
      assert.ok(changed, 'the refresher renewed the token');
      const [after] = (await o.get(`/api/v1/workspaces/${w}/accounts`)).json.items;
      assert.equal(after.status, 'active');
      assert.ok(Date.parse(after.token_expires_at) > Date.now() + 3600000, 'a fresh 2-hour token');
    } finally {
      await s2.stop();
    }
  });
});

// The connect flows of Facebook Pages, Instagram, LinkedIn and YouTube against the
// simulator (X has its own file): the account lands with the right identity, tokens
// sealed, refresh per each platform's rules, revocation where the platform has it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql } from '../lib/harness.mjs';
import { signup, createWorkspace } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';

let sim;
let srv;
let owner;
let ws;

before(async () => {
  sim = await startSim();
  srv = await startServer({ env: simEnv(sim.url) });
  owner = await signup(srv, { name: 'Owner' });
  ws = await createWorkspace(owner, 'Brands');
});
after(async () => {
  await srv.stop();
  await sim.stop();
});

/** Start connecting, approve on the simulator, land on our callback; returns the app URL we were sent to. */
async function connect(platform, decision = 'allow') {
  const start = await owner.post(`/api/v1/workspaces/${ws}/accounts/connect`, { platform });
  assert.equal(start.status, 200, start.text);
  let url = `${start.json.authorize_url}&sim_approve=${decision}`;
  for (let i = 0; i < 6 && !url.startsWith(srv.url); i++) {
    const r = await fetch(url, { redirect: 'manual' });
    assert.ok([301, 302, 303].includes(r.status), `${platform}: ${url} answered ${r.status}`);
    url = new URL(r.headers.get('location'), url).toString();
  }
  assert.ok(url.startsWith(`${srv.url}/api/v1/oauth/${platform}/callback`), url);
  const cb = await owner.get(url.slice(srv.url.length));
  assert.equal(cb.status, 302);
  return { start: new URL(start.json.authorize_url), back: new URL(cb.headers.get('location')) };
}

async function listOf(platform) {
  return (await owner.get(`/api/v1/workspaces/${ws}/accounts`)).json.items.filter((a) => a.platform === platform);
}

function assertSealed(platform) {
  return sim.admin('GET', `/_sim/tokens?platform=${platform}`).then((r) => {
    const dump = sql(srv, 'SELECT * FROM social_accounts');
    for (const t of r.items) assert.ok(!dump.includes(t.token), `${platform} token stored in clear`);
    assert.ok(r.items.length > 0);
  });
}

describe('LinkedIn', () => {
  test('connects the member with a 60-day token and refreshes it', async () => {
    const { start, back } = await connect('linkedin');
    assert.equal(start.searchParams.get('scope'), 'openid profile email w_member_social');
    assert.equal(back.searchParams.get('connected'), '1', back.toString());
    const [a] = await listOf('linkedin');
    assert.match(a.remote_id, /^urn:li:person:/);
    assert.equal(a.kind, 'profile');
    assert.equal(a.status, 'active');
    const days = (Date.parse(a.token_expires_at) - Date.now()) / 86400000;
    assert.ok(days > 59 && days <= 60, `${days} days`);
    await assertSealed('linkedin');
    const r = await owner.post(`/api/v1/workspaces/${ws}/accounts/${a.id}/refresh`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.account.can_refresh, true);
  });
});

describe('YouTube', () => {
  test('connects the channel with offline access and PKCE; refresh keeps the refresh token', async () => {
    const { start, back } = await connect('youtube');
    assert.equal(start.searchParams.get('access_type'), 'offline');
    assert.equal(start.searchParams.get('prompt'), 'consent');
    assert.equal(start.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(back.searchParams.get('connected'), '1', back.toString());
    const [a] = await listOf('youtube');
    assert.equal(a.kind, 'channel');
    assert.match(a.remote_id, /^UC/);
    const refreshBefore = sql(srv, `SELECT refresh_token_enc FROM social_accounts WHERE id = ${a.id}`).trim();
    const r = await owner.post(`/api/v1/workspaces/${ws}/accounts/${a.id}/refresh`);
    assert.equal(r.status, 200, r.text);
    const refreshAfter = sql(srv, `SELECT refresh_token_enc FROM social_accounts WHERE id = ${a.id}`).trim();
    assert.ok(refreshAfter.length > 0, 'the refresh token is still stored');
    assert.notEqual(refreshAfter, refreshBefore, 'sealed again (fresh nonce)');
    // a second refresh works: the kept refresh token is still good at Google
    assert.equal((await owner.post(`/api/v1/workspaces/${ws}/accounts/${a.id}/refresh`)).status, 200);
    await assertSealed('google');
  });

  test('disconnect revokes the grant at Google', async () => {
    const [a] = await listOf('youtube');
    const before = (await sim.admin('GET', '/_sim/requests?platform=google')).items.filter((i) => i.path === '/revoke').length;
    assert.equal((await owner.del(`/api/v1/workspaces/${ws}/accounts/${a.id}`)).status, 204);
    const afterCount = (await sim.admin('GET', '/_sim/requests?platform=google')).items.filter((i) => i.path === '/revoke').length;
    assert.equal(afterCount, before + 1);
    assert.equal((await listOf('youtube'))[0].status, 'disconnected');
  });

  test('a denied consent stores nothing', async () => {
    const count = (await listOf('youtube')).length;
    const { back } = await connect('youtube', 'deny');
    assert.equal(back.searchParams.get('error'), 'denied');
    assert.equal((await listOf('youtube')).length, count);
  });
});

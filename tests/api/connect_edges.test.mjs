// Connect edge cases: an expired state, a code the platform refuses, LinkedIn without
// refresh tokens ("reconnect soon", then needs_reconnect), an expired access token.
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
  // A LinkedIn app without refresh tokens (most apps are not partners).
  sim = await startSim({ env: { SIM_LINKEDIN_REFRESH: '0' } });
  srv = await startServer({ env: { ...simEnv(sim.url), P2S_REFRESH_INTERVAL: '1' } });
  owner = await signup(srv);
  ws = await createWorkspace(owner, 'Edges');
});
after(async () => {
  await srv.stop();
  await sim.stop();
});

/** Run the platform side of a connect and return our callback URL (not yet visited). */
async function toCallback(platform) {
  const start = await owner.post(`/api/v1/workspaces/${ws}/accounts/connect`, { platform });
  let url = `${start.json.authorize_url}&sim_approve=allow`;
  for (let i = 0; i < 6 && !url.startsWith(srv.url); i++) {
    const r = await fetch(url, { redirect: 'manual' });
    url = new URL(r.headers.get('location'), url).toString();
  }
  return url;
}

async function land(url) {
  const cb = await owner.get(url.slice(srv.url.length));
  return new URL(cb.headers.get('location'));
}

const accountsOf = async (platform) => (await owner.get(`/api/v1/workspaces/${ws}/accounts`)).json.items.filter((a) => a.platform === platform);

describe('callback refusals', () => {
  test('a state older than 10 minutes is refused', async () => {
    const url = await toCallback('x');
    sql(srv, `UPDATE oauth_states SET expires_at = ${Date.now() - 1000} WHERE used_at IS NULL`);
    const back = await land(url);
    assert.equal(back.searchParams.get('error'), 'state_expired');
    assert.equal((await accountsOf('x')).length, 0);
  });

  test('a code the platform refuses: a clear error, nothing stored', async () => {
    const url = new URL(await toCallback('x'));
    url.searchParams.set('code', 'not-a-real-code');
    const back = await land(url.toString());
    assert.equal(back.searchParams.get('error'), 'platform_error');
    assert.match(back.searchParams.get('message'), /X was not connected/);
    assert.equal((await accountsOf('x')).length, 0);
  });

  test('a platform error page (error without code) is reported in plain words', async () => {
    const url = new URL(await toCallback('x'));
    url.searchParams.delete('code');
    url.searchParams.set('error', 'server_error');
    url.searchParams.set('error_description', 'Something broke on the platform');
    const back = await land(url.toString());
    assert.equal(back.searchParams.get('error'), 'platform_error');
    assert.match(back.searchParams.get('message'), /Something broke on the platform/);
  });
});

describe('LinkedIn without refresh tokens', () => {
  test('a week before the end: "reconnect soon"; after it: needs_reconnect', async () => {
    const back = await land(await toCallback('linkedin'));
    assert.equal(back.searchParams.get('connected'), '1');
    const [a] = await accountsOf('linkedin');
    assert.equal(a.can_refresh, false);
    sql(srv, `UPDATE social_accounts SET access_expires_at = ${Date.now() + 3 * 86400000} WHERE id = ${a.id}`);
    let now;
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 150));
      [now] = await accountsOf('linkedin');
      if (now.status_reason) break;
    }
    assert.equal(now.status, 'active');
    assert.match(now.status_reason, /reconnect soon/);
    sql(srv, `UPDATE social_accounts SET access_expires_at = ${Date.now() - 1000} WHERE id = ${a.id}`);
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 150));
      [now] = await accountsOf('linkedin');
      if (now.status !== 'active') break;
    }
    assert.equal(now.status, 'needs_reconnect');
    assert.match(now.status_reason, /ended/);
    // Reconnecting heals it in place.
    await land(await toCallback('linkedin'));
    const [healed] = await accountsOf('linkedin');
    assert.equal(healed.id, a.id);
    assert.equal(healed.status, 'active');
    assert.equal(healed.status_reason, null);
  });
});

describe('expired access at the platform', () => {
  test('X refusing the refresh turns the account needs_reconnect with the reason', async () => {
    await land(await toCallback('x'));
    const [a] = await accountsOf('x');
    await sim.admin('POST', '/_sim/tokens/expire', { platform: 'x', subject: '1500000000000000001' });
    const known = (await sim.admin('GET', '/_sim/tokens?platform=x')).items;
    for (const t of known) await sim.admin('POST', '/_sim/tokens/revoke', { token: t.token });
    const r = await owner.post(`/api/v1/workspaces/${ws}/accounts/${a.id}/refresh`);
    assert.equal(r.status, 502);
    const [now] = await accountsOf('x');
    assert.equal(now.status, 'needs_reconnect');
    assert.match(now.status_reason, /X no longer accepts|reconnect/);
  });
});

// The connect flows of Facebook Pages, Instagram (both logins), LinkedIn and YouTube against the
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

describe('Facebook Pages', () => {
  test('the person chooses which Pages to connect; each gets its own Page token', async () => {
    const { start, back } = await connect('facebook');
    assert.match(start.searchParams.get('scope'), /pages_manage_posts/);
    const pending = back.searchParams.get('pending');
    assert.ok(pending, back.toString());
    assert.equal((await listOf('facebook')).length, 0, 'nothing stored before the choice');
    const offer = await owner.get(`/api/v1/workspaces/${ws}/accounts/pending/${pending}`);
    assert.equal(offer.status, 200);
    assert.ok(offer.json.accounts.length >= 2);
    assert.ok(!offer.text.includes('access'), 'no token offered to the browser');
    const bad = await owner.post(`/api/v1/workspaces/${ws}/accounts/pending/${pending}`, { remote_ids: ['999'] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'remote_ids');
    const chosen = offer.json.accounts[0];
    const r = await owner.post(`/api/v1/workspaces/${ws}/accounts/pending/${pending}`, { remote_ids: [chosen.remote_id] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.connected, 1);
    const pages = await listOf('facebook');
    assert.equal(pages.length, 1);
    assert.equal(pages[0].remote_id, chosen.remote_id);
    assert.equal(pages[0].kind, 'page');
    assert.equal(pages[0].token_expires_at, null, 'Page tokens do not expire');
    assert.equal((await owner.get(`/api/v1/workspaces/${ws}/accounts/pending/${pending}`)).status, 404, 'the choice is used up');
    // Two tabs choosing at once: only one choice counts.
    const again = await connect('facebook');
    const p2 = again.back.searchParams.get('pending');
    const both = await Promise.all([0, 1, 2].map(() => owner.post(`/api/v1/workspaces/${ws}/accounts/pending/${p2}`, { remote_ids: [chosen.remote_id] })));
    assert.equal(both.filter((r) => r.status === 200).length, 1, both.map((r) => r.status).join(','));
    assert.equal((await listOf('facebook')).length, 1);
    await assertSealed('facebook');
  });
});

describe('Instagram', () => {
  test('Instagram Login connects the professional account with a 60-day token', async () => {
    const { back } = await connect('instagram');
    assert.equal(back.searchParams.get('connected'), '1', back.toString());
    const [a] = await listOf('instagram');
    assert.equal(a.remote_id, '17841400000000001');
    assert.equal(a.kind, 'business');
    const days = (Date.parse(a.token_expires_at) - Date.now()) / 86400000;
    assert.ok(days > 59 && days <= 60, `${days} days`);
    await assertSealed('instagram');
  });

  test('refresh waits until the token is a day old, then renews it', async () => {
    const [a] = await listOf('instagram');
    const early = await owner.post(`/api/v1/workspaces/${ws}/accounts/${a.id}/refresh`);
    assert.equal(early.status, 200, early.text);
    assert.equal(early.json.refreshed, false);
    assert.equal(early.json.account.status, 'active', 'a young token is not a broken account');
    await sim.admin('POST', '/_sim/clock', { advance_s: 25 * 3600 });
    const later = await owner.post(`/api/v1/workspaces/${ws}/accounts/${a.id}/refresh`);
    assert.equal(later.status, 200, later.text);
    assert.equal(later.json.refreshed, true);
  });
});

describe('Instagram through a Facebook Page', () => {
  test('the linked account is offered, chosen, stored as Instagram with the Page token', async () => {
    const { start, back } = await connect('instagram_fb');
    assert.ok(start.pathname.endsWith('/dialog/oauth'), start.toString());
    assert.equal(start.searchParams.get('client_id'), 'p2s-sim-facebook', 'the Facebook app signs in');
    assert.equal(
      start.searchParams.get('scope'),
      'instagram_basic,pages_show_list,pages_read_engagement,business_management,instagram_content_publish,' +
        'instagram_manage_comments,instagram_manage_insights',
    );
    assert.equal(start.searchParams.get('redirect_uri'), `${srv.url}/api/v1/oauth/instagram_fb/callback`);
    const pending = back.searchParams.get('pending');
    assert.ok(pending, back.toString());
    const offer = await owner.get(`/api/v1/workspaces/${ws}/accounts/pending/${pending}`);
    assert.equal(offer.status, 200, offer.text);
    assert.ok(!offer.text.includes('access'), 'no token offered to the browser');
    // Only the Page with a linked Instagram account offers one; the account is the Instagram one.
    assert.equal(offer.json.accounts.length, 1, offer.text);
    const [ig] = offer.json.accounts;
    assert.equal(ig.remote_id, '17841400000000001');
    assert.equal(ig.username, 'simcoffee');
    assert.equal(ig.kind, 'business_page');
    const r = await owner.post(`/api/v1/workspaces/${ws}/accounts/pending/${pending}`, { remote_ids: [ig.remote_id] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.connected, 1);
    const a = (await listOf('instagram')).find((x) => x.kind === 'business_page');
    assert.ok(a, 'listed as an Instagram account');
    assert.equal(a.remote_id, '17841400000000001');
    assert.equal(a.username, 'simcoffee');
    assert.equal(a.status, 'active');
    assert.equal(a.token_expires_at, null, 'the Page token does not expire');
    assert.equal((await listOf('instagram_fb')).length, 0, 'no account is stored under the adapter id');
    // The same account connected earlier with Instagram Login: one connection, now through the Page.
    assert.equal((await listOf('instagram')).filter((x) => x.remote_id === '17841400000000001').length, 1);
    await assertSealed('facebook');
  });

  test('refresh has nothing to renew; disconnect drops the Page token without removing the app', async () => {
    const a = (await listOf('instagram')).find((x) => x.kind === 'business_page');
    const r = await owner.post(`/api/v1/workspaces/${ws}/accounts/${a.id}/refresh`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.refreshed, false);
    assert.equal(r.json.account.status, 'active');
    assert.equal(r.json.account.token_expires_at, null);
    const revokes = async () =>
      (await sim.admin('GET', '/_sim/requests?platform=facebook')).items.filter(
        (i) => i.method === 'DELETE' && /\/me\/permissions/.test(i.path),
      ).length;
    const revokesBefore = await revokes();
    assert.equal((await owner.del(`/api/v1/workspaces/${ws}/accounts/${a.id}`)).status, 204);
    assert.equal(await revokes(), revokesBefore, 'the app is not removed for the user');
    const gone = (await listOf('instagram')).find((x) => x.id === a.id);
    assert.equal(gone.status, 'disconnected');
    const tokens = sql(srv, `SELECT access_token_enc FROM social_accounts WHERE id = ${a.id}`).trim();
    assert.equal(tokens, '', 'the tokens are erased');
  });
});

// Webhooks over the HTTP API: who may manage them, the signing secret (shown once, stored
// sealed), URL rules (http(s) only, no credentials, no internal addresses unless the server
// allows them), changes in the activity log, the delivery log and test deliveries.
//
// The main server runs with P2S_WEBHOOK_ALLOW_PRIVATE unset: webhooks that it accepts point at a
// public address literal and stay inactive, so nothing is ever sent there.  Deliveries are
// followed on a second server that allows private addresses, towards a receiver on loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer, sql } from '../lib/harness.mjs';
import { Client, signup, createWorkspace, addMember, makeTeam } from '../lib/api.mjs';
import { until } from '../lib/connect.mjs';

const PUBLIC_URL = 'https://1.1.1.1/hooks/post2share';
const SECRET = /^whsec_[0-9a-f]{64}$/;

let srv;
let team;
const H = () => `/api/v1/workspaces/${team.ws}/webhooks`;

before(async () => {
  delete process.env.P2S_WEBHOOK_ALLOW_PRIVATE; // the default: internal addresses refused
  srv = await startServer();
  team = await makeTeam(srv, 'Hooked');
});

after(async () => {
  await srv?.stop();
});

/** admin makes an inactive webhook at a public address; returns {webhook, secret}. */
async function makeHook(client = team.by.admin, body = {}) {
  const r = await client.post(H(), { url: PUBLIC_URL, events: ['target.failed'], active: false, ...body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** The workspace's activity items with an action starting with webhook. */
async function hookActivity(ws = team.ws) {
  const r = await team.by.owner.get(`/api/v1/workspaces/${ws}/activity?limit=200`);
  assert.equal(r.status, 200, r.text);
  return r.json.items.filter((i) => i.action.startsWith('webhook.'));
}

describe('managing webhooks', () => {
  test('admins and owners manage them; editors and below get 403, outsiders 404', async () => {
    for (const r of ['editor', 'contributor', 'viewer']) {
      const c = team.by[r];
      const made = await c.post(H(), { url: PUBLIC_URL, events: ['*'], active: false });
      assert.equal(made.status, 403, `${r}: ${made.text}`);
      assert.equal((await c.get(H())).status, 403, r);
    }
    assert.equal((await team.by.outsider.get(H())).status, 404);
    assert.equal((await team.by.anonymous.get(H())).status, 401);
    const a = await makeHook(team.by.admin);
    const o = await makeHook(team.by.owner, { events: ['*'] });
    assert.deepEqual(o.webhook.events, ['*']);
    const list = await team.by.admin.get(H());
    assert.equal(list.status, 200, list.text);
    const ids = list.json.webhooks.map((w) => w.id);
    assert.ok(ids.includes(a.webhook.id) && ids.includes(o.webhook.id));
    for (const r of ['editor', 'viewer']) {
      assert.equal((await team.by[r].get(`${H()}/${a.webhook.id}`)).status, 403);
      assert.equal((await team.by[r].patch(`${H()}/${a.webhook.id}`, { active: false })).status, 403);
      assert.equal((await team.by[r].del(`${H()}/${a.webhook.id}`)).status, 403);
      assert.equal((await team.by[r].post(`${H()}/${a.webhook.id}/rotate-secret`)).status, 403);
      assert.equal((await team.by[r].get(`${H()}/${a.webhook.id}/deliveries`)).status, 403);
      assert.equal((await team.by[r].post(`${H()}/${a.webhook.id}/test`)).status, 403);
    }
  });

  test('create: the webhook and its secret, shown this once', async () => {
    const r = await team.by.admin.post(H(), { url: PUBLIC_URL, events: ['target.failed', 'target.recovered', 'target.failed'], active: false });
    assert.equal(r.status, 201, r.text);
    const { webhook, secret } = r.json;
    assert.match(secret, SECRET);
    assert.deepEqual(Object.keys(webhook).sort(), ['active', 'created_at', 'created_by', 'events', 'id', 'updated_at', 'url', 'workspace_id']);
    assert.equal(webhook.url, PUBLIC_URL);
    assert.deepEqual(webhook.events, ['target.failed', 'target.recovered'], 'a kind listed twice is kept once');
    assert.equal(webhook.active, false);
    assert.equal(webhook.created_by, team.by.admin.user.id);
    assert.equal(webhook.workspace_id, team.ws);
    // never again: not in the list, not in the webhook, not in its delivery log
    const hex = secret.slice('whsec_'.length);
    for (const path of [H(), `${H()}/${webhook.id}`, `${H()}/${webhook.id}/deliveries`]) {
      const g = await team.by.owner.get(path);
      assert.equal(g.status, 200, g.text);
      assert.ok(!g.text.includes(hex), `${path} shows the secret`);
      assert.ok(!/secret/i.test(g.text), `${path} mentions a secret`);
    }
    // stored sealed: neither the secret nor its hex digits are in the row; a key version beside it
    const row = sql(srv, `SELECT secret_enc || '|' || key_version FROM webhooks WHERE id = ${webhook.id}`).trim();
    const [enc, version] = row.split('|');
    assert.ok(enc.length > 40, 'a sealed value');
    assert.ok(!row.includes(hex) && !row.includes(secret), 'the plaintext is not stored');
    assert.ok(Number(version) >= 1, row);
    const everything = sql(srv, `SELECT * FROM webhooks`);
    assert.ok(!everything.includes(hex));
    // the activity log names the host, not the whole URL (a URL may hold a token)
    const made = (await hookActivity()).find((i) => i.action === 'webhook.created' && i.details.webhook_id === webhook.id);
    assert.ok(made, 'webhook.created is in the activity log');
    assert.equal(made.target, '1.1.1.1');
    assert.equal(made.user_id, team.by.admin.user.id);
    assert.ok(!JSON.stringify(made).includes(hex));
  });

  test('rotate the secret: a new one, shown once, sealed anew; logged', async () => {
    const { webhook, secret } = await makeHook();
    const before = sql(srv, `SELECT secret_enc FROM webhooks WHERE id = ${webhook.id}`).trim();
    const r = await team.by.admin.post(`${H()}/${webhook.id}/rotate-secret`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.json.secret, SECRET);
    assert.notEqual(r.json.secret, secret);
    assert.equal(r.json.webhook.id, webhook.id);
    const afterRow = sql(srv, `SELECT secret_enc FROM webhooks WHERE id = ${webhook.id}`).trim();
    assert.notEqual(afterRow, before);
    assert.ok(!afterRow.includes(r.json.secret.slice(6)));
    assert.ok((await hookActivity()).some((i) => i.action === 'webhook.secret_rotated' && i.details.webhook_id === webhook.id && i.target === '1.1.1.1'));
    assert.equal((await team.by.admin.post(`${H()}/999999/rotate-secret`)).status, 404);
  });

  test('change: the fields given; logged with what changed', async () => {
    const { webhook } = await makeHook();
    let r = await team.by.admin.patch(`${H()}/${webhook.id}`, { events: ['*'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.webhook.events, ['*']);
    assert.equal(r.json.webhook.url, PUBLIC_URL, 'the url stays');
    assert.equal(r.json.webhook.active, false, 'active stays');
    r = await team.by.owner.patch(`${H()}/${webhook.id}`, { url: 'https://1.0.0.1/other?token=abc', events: ['invitation.accepted', 'post.approved'] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.webhook.url, 'https://1.0.0.1/other?token=abc');
    assert.deepEqual(r.json.webhook.events, ['invitation.accepted', 'post.approved']);
    const changes = (await hookActivity()).filter((i) => i.action === 'webhook.updated' && i.details.webhook_id === webhook.id);
    assert.equal(changes.length, 2);
    assert.deepEqual(changes.map((c) => c.details.changed).sort(), [['events'], ['url', 'events']].sort());
    assert.ok(changes.every((c) => !JSON.stringify(c).includes('token=abc')), 'the URL itself is not logged');
    // nothing changed: nothing logged
    r = await team.by.admin.patch(`${H()}/${webhook.id}`, { active: false });
    assert.equal(r.status, 200);
    assert.equal((await hookActivity()).filter((i) => i.action === 'webhook.updated' && i.details.webhook_id === webhook.id).length, 2);
    assert.equal((await team.by.admin.patch(`${H()}/999999`, { active: false })).status, 404);
  });

  test('delete: gone with its delivery log; logged', async () => {
    const { webhook } = await makeHook();
    const r = await team.by.admin.del(`${H()}/${webhook.id}`);
    assert.equal(r.status, 204, r.text);
    assert.equal((await team.by.admin.get(`${H()}/${webhook.id}`)).status, 404);
    assert.equal((await team.by.admin.get(`${H()}/${webhook.id}/deliveries`)).status, 404);
    assert.equal((await team.by.admin.del(`${H()}/${webhook.id}`)).status, 404);
    assert.ok((await hookActivity()).some((i) => i.action === 'webhook.deleted' && i.details.webhook_id === webhook.id));
  });

  test("another workspace's webhook answers 404", async () => {
    const { webhook } = await makeHook();
    const mine = await createWorkspace(team.by.admin, 'Elsewhere');
    const path = `/api/v1/workspaces/${mine}/webhooks/${webhook.id}`;
    assert.equal((await team.by.admin.get(path)).status, 404);
    assert.equal((await team.by.admin.patch(path, { active: false })).status, 404);
    assert.equal((await team.by.admin.del(path)).status, 404);
    assert.equal((await team.by.admin.post(`${path}/rotate-secret`)).status, 404);
    assert.equal((await team.by.admin.post(`${path}/test`)).status, 404);
    assert.equal((await team.by.admin.get(`${path}/deliveries`)).status, 404);
    assert.equal((await team.by.admin.get(H())).json.webhooks.some((w) => w.id === webhook.id), true, 'still there');
  });

  test('at most 20 per workspace', async () => {
    const owner = await signup(srv, { name: 'Many hooks' });
    const ws = await createWorkspace(owner, 'Many hooks');
    for (let i = 0; i < 20; i++) {
      const r = await owner.post(`/api/v1/workspaces/${ws}/webhooks`, { url: `${PUBLIC_URL}/${i}`, events: ['*'], active: false });
      assert.equal(r.status, 201, r.text);
    }
    const r = await owner.post(`/api/v1/workspaces/${ws}/webhooks`, { url: PUBLIC_URL, events: ['*'], active: false });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'conflict');
  });
});

describe('URL and field rules', () => {
  const refused = async (body, field, re) => {
    const r = await team.by.admin.post(H(), { events: ['*'], active: false, ...body });
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 120)}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_field');
    assert.equal(r.json.error.field, field, JSON.stringify(body).slice(0, 120));
    if (re) assert.match(r.json.error.message, re);
    return r;
  };

  test('internal addresses are refused (P2S_WEBHOOK_ALLOW_PRIVATE unset)', async () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://10.1.2.3/', 'https://192.168.1.10/x', 'http://172.16.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/', 'http://[fd00::1]/', 'http://0.0.0.0/', 'http://100.64.0.1/', 'http://[::ffff:127.0.0.1]/']) {
      const r = await refused({ url }, 'url');
      assert.ok(!r.json.error.message.includes(url), 'the message gives the reason, not the URL');
    }
    // a change to an internal address too
    const { webhook } = await makeHook();
    const r = await team.by.admin.patch(`${H()}/${webhook.id}`, { url: 'http://127.0.0.1/hook' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, 'url');
    assert.equal((await team.by.admin.get(`${H()}/${webhook.id}`)).json.webhook.url, PUBLIC_URL, 'unchanged');
  });

  test('bad URLs: another scheme, credentials, too long, not a URL', async () => {
    await refused({ url: 'ftp://1.1.1.1/hook' }, 'url', /https:\/\/ or http:\/\//);
    await refused({ url: 'javascript:alert(1)' }, 'url');
    await refused({ url: '1.1.1.1/hook' }, 'url');
    await refused({ url: 'https://user:pass@1.1.1.1/hook' }, 'url', /user name or password/);
    await refused({ url: 'https://user@1.1.1.1/hook' }, 'url', /user name or password/);
    await refused({ url: `https://1.1.1.1/${'a'.repeat(2048)}` }, 'url', /2048/);
    await refused({ url: 'https:///nohost' }, 'url');
    await refused({ url: 'https://1.1.1.1/a b' }, 'url');
    await refused({ url: '' }, 'url');
    await refused({}, 'url', /required/);
    await refused({ url: 42 }, 'url');
    await refused({ url: 'https://1.1.1.1/\u0001' }, 'url');
    // exactly 2048 characters is fine
    const path = 'a'.repeat(2048 - 'https://1.1.1.1/'.length);
    const ok = await team.by.admin.post(H(), { url: `https://1.1.1.1/${path}`, events: ['*'], active: false });
    assert.equal(ok.status, 201, ok.text);
  });

  test('events and active', async () => {
    await refused({ url: PUBLIC_URL, events: [] }, 'events');
    await refused({ url: PUBLIC_URL, events: 'target.failed' }, 'events');
    await refused({ url: PUBLIC_URL, events: undefined }, 'events');
    await refused({ url: PUBLIC_URL, events: ['target.exploded'] }, 'events[0]');
    await refused({ url: PUBLIC_URL, events: ['target.failed', 7] }, 'events[1]');
    await refused({ url: PUBLIC_URL, events: ['target.failed', '*'] }, 'events[1]');
    await refused({ url: PUBLIC_URL, events: ['test'] }, 'events[0]');
    await refused({ url: PUBLIC_URL, events: ['post.state'] }, 'events[0]', /not a kind/);
    await refused({ url: PUBLIC_URL, active: 'yes' }, 'active');
    const { webhook } = await makeHook();
    const r = await team.by.admin.patch(`${H()}/${webhook.id}`, { events: [] });
    assert.equal(r.json.error.field, 'events');
    const r2 = await team.by.admin.patch(`${H()}/${webhook.id}`, { active: 1 });
    assert.equal(r2.json.error.field, 'active');
  });
});

describe('deliveries', () => {
  let priv; // a server that allows private addresses
  let receiver;
  const got = [];

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
      });
    });
    await new Promise((res) => receiver.listen(0, '127.0.0.1', res));
    priv = await startServer({ env: { P2S_WEBHOOK_ALLOW_PRIVATE: '1' } });
  });

  after(async () => {
    await priv?.stop();
    await new Promise((res) => receiver.close(res));
  });

  test('with P2S_WEBHOOK_ALLOW_PRIVATE=1 a loopback URL is taken; the log lists what the events queued, newest first', async () => {
    const owner = await signup(priv, { name: 'Owner' });
    const ws = await createWorkspace(owner, 'Delivered');
    const url = `http://127.0.0.1:${receiver.address().port}/hook`;
    const r = await owner.post(`/api/v1/workspaces/${ws}/webhooks`, { url, events: ['invitation.accepted'] });
    assert.equal(r.status, 201, r.text);
    const hook = r.json.webhook;
    assert.equal(hook.active, true, 'active unless said otherwise');
    // a kind it does not take is not delivered; one it takes is
    for (const name of ['First', 'Second', 'Third']) await addMember(owner, ws, await signup(priv, { name }), 'viewer');
    const D = `/api/v1/workspaces/${ws}/webhooks/${hook.id}/deliveries`;
    const list = await owner.get(D);
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.deliveries.length, 3);
    assert.equal(list.json.next_cursor, null);
    const ids = list.json.deliveries.map((d) => d.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    const d = list.json.deliveries[0];
    assert.deepEqual(Object.keys(d).sort(), ['attempts', 'created_at', 'delivered_at', 'error', 'event', 'id', 'next_attempt_at', 'payload', 'response_status', 'state', 'webhook_id']);
    assert.equal(d.event, 'invitation.accepted');
    assert.equal(d.webhook_id, hook.id);
    assert.ok(['pending', 'delivered', 'failed'].includes(d.state), d.state);
    assert.equal(d.payload.type, 'invitation.accepted');
    assert.equal(d.payload.workspace_id, ws);
    assert.equal(d.payload.data.name, 'Third');
    assert.match(d.payload.title, /Third joined/);
    // paging
    const p1 = await owner.get(`${D}?limit=2`);
    assert.equal(p1.json.deliveries.length, 2);
    assert.equal(p1.json.next_cursor, p1.json.deliveries[1].id);
    const p2 = await owner.get(`${D}?limit=2&cursor=${p1.json.next_cursor}`);
    assert.deepEqual([...p1.json.deliveries, ...p2.json.deliveries].map((x) => x.id), ids);
    assert.equal(p2.json.next_cursor, null);
    for (const [q, field] of [['limit=0', 'limit'], ['limit=500', 'limit'], ['cursor=x', 'cursor']]) {
      const bad = await owner.get(`${D}?${q}`);
      assert.equal(bad.status, 400, q);
      assert.equal(bad.json.error.field, field);
    }
    // an inactive webhook gets no deliveries
    assert.equal((await owner.patch(`/api/v1/workspaces/${ws}/webhooks/${hook.id}`, { active: false })).status, 200);
    await addMember(owner, ws, await signup(priv, { name: 'Fourth' }), 'viewer');
    assert.equal((await owner.get(D)).json.deliveries.length, 3);
    // the server's senders deliver them to the receiver; the log records the answer
    const done = await until(async () => {
      const l = (await owner.get(D)).json.deliveries;
      return l.every((x) => x.state === 'delivered') && l;
    }, 20000, 'the deliveries to be recorded');
    for (const x of done) {
      assert.equal(x.response_status, 200);
      assert.ok(x.delivered_at !== null && x.attempts >= 1 && x.next_attempt_at === null, JSON.stringify(x));
      const seen = got.find((g) => g.headers['x-post2share-delivery'] === String(x.id));
      assert.ok(seen, `delivery ${x.id} reached the receiver`);
      assert.deepEqual(JSON.parse(seen.body), x.payload, 'the payload logged is the body sent');
    }
  });

  test('a test delivery is queued at once: 202, event "test", payload id 0', async () => {
    const owner = await signup(priv, { name: 'Tester' });
    const ws = await createWorkspace(owner, 'Tested');
    const url = `http://127.0.0.1:${receiver.address().port}/test-hook`;
    const made = await owner.post(`/api/v1/workspaces/${ws}/webhooks`, { url, events: ['target.failed'] });
    assert.equal(made.status, 201, made.text);
    const id = made.json.webhook.id;
    const r = await owner.post(`/api/v1/workspaces/${ws}/webhooks/${id}/test`);
    assert.equal(r.status, 202, r.text);
    const d = r.json.delivery;
    assert.equal(d.event, 'test');
    assert.equal(d.webhook_id, id);
    assert.equal(d.state, 'pending');
    assert.equal(d.attempts, 0);
    assert.ok(d.next_attempt_at, 'due now');
    assert.deepEqual({ id: d.payload.id, type: d.payload.type, workspace_id: d.payload.workspace_id }, { id: 0, type: 'test', workspace_id: ws });
    assert.equal(typeof d.payload.created_ms, 'number');
    assert.equal(d.payload.data.webhook_id, id);
    assert.ok(!JSON.stringify(d).includes(made.json.secret.slice(6)));
    const list = (await owner.get(`/api/v1/workspaces/${ws}/webhooks/${id}/deliveries`)).json.deliveries;
    assert.equal(list[0].id, d.id);
    // sent at once, though the webhook takes only target.failed
    const seen = await until(() => got.find((g) => g.headers['x-post2share-delivery'] === String(d.id)), 20000, 'the test delivery');
    assert.equal(seen.headers['x-post2share-event'], 'test');
    assert.equal(JSON.parse(seen.body).type, 'test');
    const act = (await owner.get(`/api/v1/workspaces/${ws}/activity`)).json.items;
    assert.ok(act.some((i) => i.action === 'webhook.tested' && i.details.delivery_id === d.id && i.target === '127.0.0.1'));
    assert.equal((await owner.post(`/api/v1/workspaces/${ws}/webhooks/999999/test`)).status, 404);
  });

  test('an API key of an admin manages webhooks too', async () => {
    const owner = await signup(priv, { name: 'Keyed owner' });
    const ws = await createWorkspace(owner, 'Keyed hooks');
    const admin = await signup(priv, { name: 'Keyed admin' });
    await addMember(owner, ws, admin, 'admin');
    const k = await admin.post('/api/v1/me/api-keys', { name: 'hooks', workspace_ids: [ws] });
    const bot = new Client(priv, { apiKey: k.json.key });
    const r = await bot.post(`/api/v1/workspaces/${ws}/webhooks`, { url: 'http://127.0.0.1:9/hook', events: ['*'], active: false });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.secret, SECRET);
  });
});

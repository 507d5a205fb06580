// Single-flight refresh across processes: two server nodes on one database race to
// refresh the same X account; X sees one refresh and the token family stays alive.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql } from '../lib/harness.mjs';
import { signup, createWorkspace, Client } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';

let sim;
let a;
let b;

before(async () => {
  sim = await startSim();
  a = await startServer({ env: simEnv(sim.url) });
  // The second node shares the first one's database and key file.
  b = await startServer({ env: simEnv(sim.url), dataDir: a.dataDir, dbUrl: a.dbUrl, dbFile: a.dbFile });
});
after(async () => {
  await b.stop('SIGTERM', { keep: true });
  await a.stop();
  await sim.stop();
});

test('two nodes, twenty concurrent refreshes, one reaches X', async () => {
  const owner = await signup(a);
  const ws = await createWorkspace(owner, 'Race');
  const start = await owner.post(`/api/v1/workspaces/${ws}/accounts/connect`, { platform: 'x' });
  let url = `${start.json.authorize_url}&sim_approve=allow`;
  while (!url.startsWith(a.url)) {
    const r = await fetch(url, { redirect: 'manual' });
    url = new URL(r.headers.get('location'), url).toString();
  }
  await owner.get(url.slice(a.url.length));
  const [acc] = (await owner.get(`/api/v1/workspaces/${ws}/accounts`)).json.items;
  // The same person signed in on node b (sessions live in the shared database).
  const onB = new Client(b);
  onB.cookie = owner.cookie;
  onB.csrf = owner.csrf;
  const tokenCalls = async () => (await sim.admin('GET', '/_sim/requests?platform=x')).items.filter((i) => i.path === '/2/oauth2/token').length;
  const before = await tokenCalls();
  sql(a, `UPDATE social_accounts SET access_expires_at = ${Date.now() + 60000} WHERE id = ${acc.id}`);
  const path = `/api/v1/workspaces/${ws}/accounts/${acc.id}/refresh`;
  const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? onB : owner).post(path, { force: false })));
  for (const r of rs) assert.equal(r.status, 200, r.text);
  assert.equal(rs.filter((r) => r.json.refreshed).length, 1);
  assert.equal((await tokenCalls()) - before, 1, 'exactly one refresh reached X');
  // The family is alive: a forced refresh with the stored (newest) refresh token works.
  const again = await onB.post(path, { force: true });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.account.status, 'active');
});

// Workspaces, members, invitations, role changes and the activity log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql } from '../lib/harness.mjs';
import { Client, signup, createWorkspace, addMember, makeTeam, uniqueEmail, PASSWORD } from '../lib/api.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.stop();
});

describe('workspaces', () => {
  test('create, list with role, rename, time zone, delete', async () => {
    const a = await signup(srv);
    const r = await a.post('/api/v1/workspaces', { name: 'Acme Social', timezone: 'Asia/Tokyo' });
    assert.equal(r.status, 201);
    const ws = r.json.workspace;
    assert.equal(ws.role, 'owner');
    assert.equal(ws.timezone, 'Asia/Tokyo');
    const dflt = await a.post('/api/v1/workspaces', { name: 'Default zone' });
    assert.equal(dflt.json.workspace.timezone, 'UTC');
    const list = await a.get('/api/v1/workspaces');
    assert.deepEqual(list.json.items.map((w) => w.name), ['Acme Social', 'Default zone']);
    const p = await a.patch(`/api/v1/workspaces/${ws.id}`, { name: 'Acme', timezone: 'Europe/Lisbon' });
    assert.equal(p.status, 200);
    assert.equal(p.json.workspace.name, 'Acme');
    assert.equal(p.json.workspace.timezone, 'Europe/Lisbon');
    assert.equal((await a.patch(`/api/v1/workspaces/${ws.id}`, { timezone: 'Nowhere/City' })).json.error.field, 'timezone');
    assert.equal((await a.patch(`/api/v1/workspaces/${ws.id}`, { name: '' })).json.error.field, 'name');
    assert.equal((await a.del(`/api/v1/workspaces/${ws.id}`)).status, 204);
    assert.equal((await a.get(`/api/v1/workspaces/${ws.id}`)).status, 404);
    assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM memberships WHERE workspace_id = ${ws.id}`).trim()), 0);
  });

  test('another workspace answers 404, never 403, whatever the id', async () => {
    const a = await signup(srv);
    const b = await signup(srv);
    const ws = await createWorkspace(b, 'Private');
    for (const path of [`/api/v1/workspaces/${ws}`, `/api/v1/workspaces/${ws}/members`, `/api/v1/workspaces/${ws}/activity`, '/api/v1/workspaces/99999999', '/api/v1/workspaces/abc', '/api/v1/workspaces/-1']) {
      const r = await a.get(path);
      assert.equal(r.status, 404, path);
      assert.equal(r.json.error.message, 'no such workspace');
    }
    assert.equal((await a.patch(`/api/v1/workspaces/${ws}`, { name: 'Mine now' })).status, 404);
    assert.equal((await a.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'owner' })).status, 404);
    assert.equal((await b.get(`/api/v1/workspaces/${ws}`)).json.workspace.name, 'Private');
  });
});

describe('invitations', () => {
  test('a link joins once, with its role; it can be previewed first', async () => {
    const owner = await signup(srv, { name: 'Olga Owner' });
    const ws = await createWorkspace(owner, 'Launch');
    const beaEmail = uniqueEmail('bea');
    const inv = await owner.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'editor', email: beaEmail.toUpperCase() });
    assert.equal(inv.status, 201);
    assert.match(inv.json.token, /^inv_[A-Za-z0-9_-]{43}$/);
    assert.equal(inv.json.url, `${srv.url}/invite/${inv.json.token}`);
    assert.equal(inv.json.invitation.email, beaEmail);
    const preview = await new Client(srv).get(`/api/v1/invitations/${inv.json.token}`);
    assert.equal(preview.status, 200);
    assert.deepEqual(
      { ...preview.json.invitation, expires_at: undefined },
      { workspace_name: 'Launch', role: 'editor', invited_by: 'Olga Owner', email: beaEmail, expires_at: undefined },
    );
    const days = (Date.parse(preview.json.invitation.expires_at) - Date.now()) / 86400000;
    assert.ok(days > 6.9 && days <= 7, `expires in ${days} days`);
    const listed = await owner.get(`/api/v1/workspaces/${ws}/invitations`);
    assert.equal(listed.json.items.length, 1);
    assert.ok(!listed.text.includes(inv.json.token));
    const b = await signup(srv, { name: 'Bea', email: beaEmail });
    assert.equal((await new Client(srv).post(`/api/v1/invitations/${inv.json.token}/accept`)).status, 401);
    const acc = await b.post(`/api/v1/invitations/${inv.json.token}/accept`);
    assert.equal(acc.status, 200);
    assert.equal(acc.json.workspace.role, 'editor');
    const members = await owner.get(`/api/v1/workspaces/${ws}/members`);
    assert.deepEqual(members.json.items.map((m) => [m.name, m.role]), [['Olga Owner', 'owner'], ['Bea', 'editor']]);
    assert.ok(!srv.logs().includes(inv.json.token), 'the invitation token never reaches the log');
    const c = await signup(srv);
    const again = await c.post(`/api/v1/invitations/${inv.json.token}/accept`);
    assert.equal(again.status, 410);
    assert.equal(again.json.error.code, 'invitation_used');
    assert.equal((await owner.get(`/api/v1/workspaces/${ws}/invitations`)).json.items.length, 0);
  });

  test('revoked, expired and unknown links are refused and change nothing', async () => {
    const owner = await signup(srv);
    const ws = await createWorkspace(owner);
    const b = await signup(srv);
    const revoked = await owner.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'viewer' });
    assert.equal((await owner.del(`/api/v1/workspaces/${ws}/invitations/${revoked.json.invitation.id}`)).status, 204);
    let r = await b.post(`/api/v1/invitations/${revoked.json.token}/accept`);
    assert.equal(r.status, 410);
    assert.equal(r.json.error.code, 'invitation_revoked');
    const expired = await owner.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'viewer' });
    sql(srv, `UPDATE invitations SET expires_at = ${Date.now() - 1000} WHERE id = ${expired.json.invitation.id}`);
    r = await b.post(`/api/v1/invitations/${expired.json.token}/accept`);
    assert.equal(r.status, 410);
    assert.equal(r.json.error.code, 'invitation_expired');
    assert.equal((await b.get(`/api/v1/invitations/${expired.json.token}`)).status, 410);
    for (const token of ['inv_' + 'A'.repeat(43), 'garbage', 'inv_short']) {
      assert.equal((await b.post(`/api/v1/invitations/${token}/accept`)).status, 404);
    }
    assert.equal((await b.get('/api/v1/workspaces')).json.items.length, 0);
  });

  test('an invitation sent to an address is only for the account with that address', async () => {
    const owner = await signup(srv);
    const ws = await createWorkspace(owner);
    const meant = await signup(srv);
    const inv = await owner.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'viewer', email: meant.email.toUpperCase() });
    assert.equal((await new Client(srv).get(`/api/v1/invitations/${inv.json.token}`)).json.invitation.email, meant.email);
    const stranger = await signup(srv);
    const r = await stranger.post(`/api/v1/invitations/${inv.json.token}/accept`);
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'invitation_other_email');
    assert.equal((await stranger.get(`/api/v1/workspaces/${ws}`)).status, 404);
    assert.equal((await meant.post(`/api/v1/invitations/${inv.json.token}/accept`)).status, 200);
  });

  test('invitations are accepted in a browser, not with an API key', async () => {
    const owner = await signup(srv);
    const ws = await createWorkspace(owner);
    const b = await signup(srv);
    const k = await b.post('/api/v1/me/api-keys', { name: 'b', workspace_ids: [] });
    const inv = await owner.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'viewer' });
    const r = await new Client(srv, { apiKey: k.json.key }).post(`/api/v1/invitations/${inv.json.token}/accept`);
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'session_required');
  });

  test('a member cannot join twice; the link stays usable for someone else', async () => {
    const owner = await signup(srv);
    const ws = await createWorkspace(owner);
    const inv = await owner.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'admin' });
    const r = await owner.post(`/api/v1/invitations/${inv.json.token}/accept`);
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'already_member');
    const b = await signup(srv);
    assert.equal((await b.post(`/api/v1/invitations/${inv.json.token}/accept`)).json.workspace.role, 'admin');
  });

  test('bad roles are refused; admins cannot invite owners or admins', async () => {
    const { ws, by } = await makeTeam(srv);
    assert.equal((await by.owner.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'superuser' })).json.error.field, 'role');
    assert.equal((await by.owner.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'viewer', email: 'nope' })).json.error.field, 'email');
    for (const role of ['owner', 'admin']) {
      const r = await by.admin.post(`/api/v1/workspaces/${ws}/invitations`, { role });
      assert.equal(r.status, 403, role);
    }
    assert.equal((await by.admin.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'editor' })).status, 201);
    const ownerInv = await by.owner.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'admin' });
    assert.equal((await by.admin.del(`/api/v1/workspaces/${ws}/invitations/${ownerInv.json.invitation.id}`)).status, 403);
  });
});

describe('roles', () => {
  test('escalation attempts are refused and change nothing', async () => {
    const { ws, by } = await makeTeam(srv);
    const id = (who) => by[who].user.id;
    const roleOf = async (who) => (await by.owner.get(`/api/v1/workspaces/${ws}/members`)).json.items.find((m) => m.user_id === id(who)).role;
    // an admin making someone owner or admin, or changing an admin
    assert.equal((await by.admin.patch(`/api/v1/workspaces/${ws}/members/${id('editor')}`, { role: 'owner' })).status, 403);
    assert.equal((await by.admin.patch(`/api/v1/workspaces/${ws}/members/${id('editor')}`, { role: 'admin' })).status, 403);
    assert.equal((await by.admin.patch(`/api/v1/workspaces/${ws}/members/${id('admin')}`, { role: 'owner' })).status, 403, 'self-promotion');
    assert.equal((await by.admin.patch(`/api/v1/workspaces/${ws}/members/${id('owner')}`, { role: 'viewer' })).status, 403);
    assert.equal((await by.admin.del(`/api/v1/workspaces/${ws}/members/${id('owner')}`)).status, 403);
    // an editor changing roles at all
    assert.equal((await by.editor.patch(`/api/v1/workspaces/${ws}/members/${id('viewer')}`, { role: 'editor' })).status, 403);
    assert.equal((await by.editor.patch(`/api/v1/workspaces/${ws}/members/${id('editor')}`, { role: 'admin' })).status, 403);
    assert.equal(await roleOf('editor'), 'editor');
    assert.equal(await roleOf('admin'), 'admin');
    assert.equal(await roleOf('owner'), 'owner');
    // what admins may do
    const ok = await by.admin.patch(`/api/v1/workspaces/${ws}/members/${id('viewer')}`, { role: 'contributor' });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.member.role, 'contributor');
    assert.equal((await by.admin.patch(`/api/v1/workspaces/${ws}/members/${id('viewer')}`, { role: 'boss' })).json.error.field, 'role');
    // the owner may make owners
    assert.equal((await by.owner.patch(`/api/v1/workspaces/${ws}/members/${id('admin')}`, { role: 'owner' })).json.member.role, 'owner');
  });

  test('the last owner can neither leave nor be demoted or removed', async () => {
    const { ws, by } = await makeTeam(srv);
    const ownerId = by.owner.user.id;
    let r = await by.owner.post(`/api/v1/workspaces/${ws}/leave`);
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'last_owner');
    r = await by.owner.patch(`/api/v1/workspaces/${ws}/members/${ownerId}`, { role: 'admin' });
    assert.equal(r.status, 409);
    r = await by.owner.del(`/api/v1/workspaces/${ws}/members/${ownerId}`);
    assert.equal(r.status, 409);
    // with a second owner, the first may go
    await by.owner.patch(`/api/v1/workspaces/${ws}/members/${by.admin.user.id}`, { role: 'owner' });
    assert.equal((await by.owner.post(`/api/v1/workspaces/${ws}/leave`)).status, 204);
    assert.equal((await by.owner.get(`/api/v1/workspaces/${ws}`)).status, 404);
    assert.equal((await by.admin.post(`/api/v1/workspaces/${ws}/leave`)).status, 409, 'now the last owner');
  });

  test('members leave; admins remove members below them', async () => {
    const { ws, by } = await makeTeam(srv);
    assert.equal((await by.viewer.post(`/api/v1/workspaces/${ws}/leave`)).status, 204);
    assert.equal((await by.viewer.get(`/api/v1/workspaces/${ws}`)).status, 404);
    assert.equal((await by.admin.del(`/api/v1/workspaces/${ws}/members/${by.editor.user.id}`)).status, 204);
    assert.equal((await by.editor.get(`/api/v1/workspaces/${ws}`)).status, 404);
    assert.equal((await by.admin.del(`/api/v1/workspaces/${ws}/members/999999`)).status, 404);
  });
});

describe('API keys and workspaces', () => {
  test('a key acts with its owner\'s role, only in the workspaces it was given', async () => {
    const a = await signup(srv);
    const w1 = await createWorkspace(a, 'One');
    const w2 = await createWorkspace(a, 'Two');
    const k = await a.post('/api/v1/me/api-keys', { name: 'one only', workspace_ids: [w1] });
    assert.deepEqual(k.json.api_key.workspace_ids, [w1]);
    const bot = new Client(srv, { apiKey: k.json.key });
    assert.deepEqual((await bot.get('/api/v1/workspaces')).json.items.map((w) => w.id), [w1]);
    assert.equal((await bot.get(`/api/v1/workspaces/${w1}`)).status, 200);
    assert.equal((await bot.get(`/api/v1/workspaces/${w2}`)).status, 404);
    assert.equal((await bot.patch(`/api/v1/workspaces/${w1}`, { name: 'Renamed by bot' })).status, 200);
    assert.equal((await bot.post('/api/v1/workspaces', { name: 'by key' })).status, 403, 'browser-only');
    // demoting the owner of the key limits the key too
    const b = await signup(srv);
    const w3 = await createWorkspace(b, 'Three');
    await addMember(b, w3, a, 'viewer');
    const k3 = await a.post('/api/v1/me/api-keys', { name: 'viewer key', workspace_ids: [w3] });
    const viewerBot = new Client(srv, { apiKey: k3.json.key });
    assert.equal((await viewerBot.get(`/api/v1/workspaces/${w3}/members`)).status, 200);
    assert.equal((await viewerBot.patch(`/api/v1/workspaces/${w3}`, { name: 'nope' })).status, 403);
  });
});

describe('activity log', () => {
  test('records who did what, from where; paged newest first; admins only', async () => {
    const { ws, by } = await makeTeam(srv, 'Logged');
    await new Client(srv).post('/api/v1/auth/login', { email: by.viewer.email, password: PASSWORD });
    await by.owner.patch(`/api/v1/workspaces/${ws}`, { name: 'Logged Renamed' }, { headers: { 'User-Agent': 'TestBrowser/2.0' } });
    const page1 = await by.admin.get(`/api/v1/workspaces/${ws}/activity?limit=3`);
    assert.equal(page1.status, 200);
    assert.equal(page1.json.items.length, 3);
    const top = page1.json.items[0];
    assert.equal(top.action, 'workspace.updated');
    assert.equal(top.user_name, 'Owner');
    assert.equal(top.ip, '127.0.0.1');
    assert.equal(top.user_agent, 'TestBrowser/2.0');
    assert.deepEqual(top.details, { name: 'Logged Renamed' });
    assert.ok(page1.json.next_before);
    const all = [...page1.json.items];
    let before = page1.json.next_before;
    while (before) {
      const p = await by.admin.get(`/api/v1/workspaces/${ws}/activity?limit=3&before=${before}`);
      all.push(...p.json.items);
      before = p.json.next_before;
    }
    const ids = all.map((i) => i.id);
    assert.deepEqual(ids, [...ids].sort((x, y) => y - x), 'newest first');
    assert.equal(new Set(ids).size, ids.length, 'no repeats across pages');
    const actions = all.map((i) => i.action);
    for (const a of ['workspace.created', 'invitation.created', 'invitation.accepted', 'account.signed_in']) {
      assert.ok(actions.includes(a), a);
    }
    assert.equal((await by.admin.get(`/api/v1/workspaces/${ws}/activity?limit=0`)).json.error.field, 'limit');
    assert.equal((await by.admin.get(`/api/v1/workspaces/${ws}/activity?limit=abc`)).json.error.field, 'limit');
    assert.equal((await by.admin.get(`/api/v1/workspaces/${ws}/activity?before=x`)).json.error.field, 'before');
    assert.equal((await by.editor.get(`/api/v1/workspaces/${ws}/activity`)).status, 403);
  });

  test('of members\' own account events only sign-ins since they joined show', async () => {
    const owner = await signup(srv);
    const ws = await createWorkspace(owner, 'Quiet');
    const b = await signup(srv, { name: 'Private Person' });
    await b.put('/api/v1/me/password', { current_password: PASSWORD, new_password: PASSWORD });
    await b.post('/api/v1/me/api-keys', { name: 'secret-key-name', workspace_ids: [] });
    await new Client(srv).post('/api/v1/auth/login', { email: b.email, password: PASSWORD });
    await addMember(owner, ws, b, 'viewer');
    await new Client(srv).post('/api/v1/auth/login', { email: b.email, password: PASSWORD });
    const log = await owner.get(`/api/v1/workspaces/${ws}/activity?limit=200`);
    const bs = log.json.items.filter((i) => i.user_id === b.user.id);
    assert.deepEqual(bs.map((i) => i.action).sort(), ['account.signed_in', 'invitation.accepted']);
    assert.ok(!log.text.includes('secret-key-name'));
  });

  test('another workspace\'s actions do not show', async () => {
    const a = await signup(srv);
    const b = await signup(srv);
    const wa = await createWorkspace(a, 'A');
    const wb = await createWorkspace(b, 'B');
    await b.patch(`/api/v1/workspaces/${wb}`, { name: 'B secret rename' });
    const log = await a.get(`/api/v1/workspaces/${wa}/activity?limit=200`);
    assert.ok(!log.text.includes('B secret rename'));
    assert.ok(log.json.items.every((i) => i.user_id === a.user.id));
  });
});

// Every route x every kind of caller: the outcome the permission table in
// src/auth/rbac.c promises.  Callers: signed out, signed in but not a member,
// each of the five roles with a browser session, and each role with an API key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, ROOT } from '../lib/harness.mjs';
import { Client, signup, createWorkspace, addMember, makeTeam, ROLES, PASSWORD } from '../lib/api.mjs';

// What each route needs; must list every route of the OpenAPI document.
const NEEDS = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /api/v1/openapi.json': 'public',
  'POST /api/v1/client-errors': 'public',
  'POST /api/v1/auth/register': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'session',
  'GET /api/v1/me': 'user',
  'PATCH /api/v1/me': 'session',
  'PUT /api/v1/me/password': 'session',
  'GET /api/v1/me/sessions': 'session',
  'DELETE /api/v1/me/sessions/{session_id}': 'session',
  'GET /api/v1/me/api-keys': 'session',
  'POST /api/v1/me/api-keys': 'session',
  'DELETE /api/v1/me/api-keys/{key_id}': 'session',
  'GET /api/v1/workspaces': 'user',
  'POST /api/v1/workspaces': 'session',
  'GET /api/v1/workspaces/{id}': 'viewer',
  'PATCH /api/v1/workspaces/{id}': 'admin',
  'DELETE /api/v1/workspaces/{id}': 'owner',
  'GET /api/v1/workspaces/{id}/members': 'viewer',
  'PATCH /api/v1/workspaces/{id}/members/{user_id}': 'admin',
  'DELETE /api/v1/workspaces/{id}/members/{user_id}': 'admin',
  'POST /api/v1/workspaces/{id}/leave': 'viewer',
  'GET /api/v1/workspaces/{id}/invitations': 'admin',
  'POST /api/v1/workspaces/{id}/invitations': 'admin',
  'DELETE /api/v1/workspaces/{id}/invitations/{invitation_id}': 'admin',
  'GET /api/v1/invitations/{token}': 'public',
  'POST /api/v1/invitations/{token}/accept': 'session',
  'GET /api/v1/workspaces/{id}/activity': 'admin',
  'POST /api/v1/workspaces/{id}/media': 'contributor',
  'GET /api/v1/workspaces/{id}/media': 'viewer',
  'GET /api/v1/workspaces/{id}/media/{media_id}': 'viewer',
  'PATCH /api/v1/workspaces/{id}/media/{media_id}': 'contributor',
  'DELETE /api/v1/workspaces/{id}/media/{media_id}': 'editor',
  'GET /api/v1/workspaces/{id}/media/{media_id}/file': 'viewer',
  'GET /api/v1/workspaces/{id}/media/{media_id}/thumbnail': 'viewer',
  'POST /api/v1/workspaces/{id}/media/{media_id}/public-url': 'editor',
  'GET /media/public/{token}': 'public',
  'GET /api/v1/platforms': 'user',
  'GET /api/v1/workspaces/{id}/accounts': 'viewer',
  'POST /api/v1/workspaces/{id}/accounts/connect': 'admin',
  'GET /api/v1/oauth/{platform}/callback': 'public',
  'GET /api/v1/workspaces/{id}/accounts/pending/{pending_id}': 'admin',
  'POST /api/v1/workspaces/{id}/accounts/pending/{pending_id}': 'admin',
  'POST /api/v1/workspaces/{id}/accounts/{account_id}/refresh': 'admin',
  'DELETE /api/v1/workspaces/{id}/accounts/{account_id}': 'admin',
};
// Workspace routes that also need a browser session (ROUTE_BROWSER): an API key gets 403.
const BROWSER = new Set([
  'DELETE /api/v1/workspaces/{id}',
  'POST /api/v1/workspaces/{id}/accounts/connect',
  'GET /api/v1/workspaces/{id}/accounts/pending/{pending_id}',
  'POST /api/v1/workspaces/{id}/accounts/pending/{pending_id}',
]);
const RANK = { viewer: 1, contributor: 2, editor: 3, admin: 4, owner: 5 };

/** The outcome the table promises: 'ok' or the status of the refusal. */
function expected(need, caller, { browser = false } = {}) {
  if (need === 'public') return 'ok';
  if (caller.kind === 'anonymous') return 401;
  if (need === 'user') return 'ok';
  if (need === 'session') return caller.viaKey ? 403 : 'ok';
  // workspace permission; the guard refuses an API key on a browser route before looking at membership
  if (browser && caller.viaKey) return 403;
  if (!caller.role) return 404;
  if (RANK[caller.role] < RANK[need]) return 403;
  return 'ok';
}

/** What happened: 'ok' unless the guard refused (401, 403 by role/session/CSRF, 404 for the workspace). */
function outcome(r) {
  const e = r.json && r.json.error;
  if (r.status === 401 && e && e.code === 'unauthenticated') return 401;
  if (r.status === 403 && e && ['forbidden', 'session_required', 'csrf_failed'].includes(e.code) && e.field === null) return 403;
  if (r.status === 404 && e && e.message === 'no such workspace') return 404;
  assert.ok(r.status < 500, `server error ${r.status} ${r.text}`);
  return 'ok';
}

let srv;
let team;
let other; // a second workspace of the owner, for invitations to accept
const callers = [];

before(async () => {
  srv = await startServer();
  team = await makeTeam(srv);
  team.target = await signup(srv, { name: 'Target' });
  await addMember(team.by.owner, team.ws, team.target, 'viewer');
  other = await createWorkspace(team.by.owner, 'Other');
  callers.push({ kind: 'anonymous', client: team.by.anonymous });
  callers.push({ kind: 'outsider', client: team.by.outsider });
  for (const role of ROLES) callers.push({ kind: role, role, client: team.by[role] });
  for (const who of ['outsider', ...ROLES]) {
    const person = team.by[who];
    const k = await person.post('/api/v1/me/api-keys', { name: 'matrix', workspace_ids: who === 'outsider' ? [] : [team.ws] });
    assert.equal(k.status, 201, k.text);
    callers.push({ kind: `${who}+key`, role: who === 'outsider' ? null : who, viaKey: true, client: new Client(srv, { apiKey: k.json.key }), person });
  }
});

after(async () => {
  await srv.stop();
});

/** Fresh arguments for one call of a route by a caller: [path, body]. */
async function prepare(route, caller) {
  const ws = team.ws;
  const owner = team.by.owner;
  switch (route) {
    case 'POST /api/v1/client-errors':
      return ['/api/v1/client-errors', { message: 'matrix' }];
    case 'POST /api/v1/auth/register':
      return ['/api/v1/auth/register', { name: 'X', email: `m-${Math.random().toString(16).slice(2)}@example.com`, password: PASSWORD, confirm_age: true }];
    case 'POST /api/v1/auth/login':
      return ['/api/v1/auth/login', { email: 'nobody@example.com', password: 'not the password' }];
    case 'PATCH /api/v1/me':
      return ['/api/v1/me', { timezone: 'Europe/Berlin' }];
    case 'PUT /api/v1/me/password':
      return ['/api/v1/me/password', { current_password: PASSWORD, new_password: PASSWORD }];
    case 'DELETE /api/v1/me/sessions/{session_id}': {
      // a second session of the same person, ended from the first
      const person = caller.person || caller.client;
      let id = 999999;
      if (person.email) {
        const second = new Client(srv);
        await second.post('/api/v1/auth/login', { email: person.email, password: PASSWORD });
        const list = await second.get('/api/v1/me/sessions');
        id = list.json.items.find((s) => s.current).id;
      }
      return [`/api/v1/me/sessions/${id}`];
    }
    case 'POST /api/v1/me/api-keys':
      return ['/api/v1/me/api-keys', { name: 'k', workspace_ids: [] }];
    case 'DELETE /api/v1/me/api-keys/{key_id}': {
      const person = caller.person || caller.client;
      let id = 999999;
      if (person.email) {
        const k = await person.post('/api/v1/me/api-keys', { name: 'to revoke', workspace_ids: [] });
        id = k.json.api_key.id;
      }
      return [`/api/v1/me/api-keys/${id}`];
    }
    case 'POST /api/v1/workspaces':
      return ['/api/v1/workspaces', { name: 'Made in matrix' }];
    case 'PATCH /api/v1/workspaces/{id}':
      return [`/api/v1/workspaces/${ws}`, { timezone: 'Europe/Paris' }];
    case 'PATCH /api/v1/workspaces/{id}/members/{user_id}':
      return [`/api/v1/workspaces/${ws}/members/${team.target.user.id}`, { role: 'viewer' }];
    case 'DELETE /api/v1/workspaces/{id}/members/{user_id}':
      return [`/api/v1/workspaces/${ws}/members/${team.target.user.id}`];
    case 'POST /api/v1/workspaces/{id}/invitations':
      return [`/api/v1/workspaces/${ws}/invitations`, { role: 'viewer' }];
    case 'DELETE /api/v1/workspaces/{id}/invitations/{invitation_id}': {
      const inv = await owner.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'viewer' });
      return [`/api/v1/workspaces/${ws}/invitations/${inv.json.invitation.id}`];
    }
    case 'GET /api/v1/invitations/{token}': {
      const inv = await owner.post(`/api/v1/workspaces/${other}/invitations`, { role: 'viewer' });
      return [`/api/v1/invitations/${inv.json.token}`];
    }
    case 'POST /api/v1/workspaces/{id}/accounts/connect':
      // a platform this server may not have set up: 400 from the handler still means the guard let it through
      return [`/api/v1/workspaces/${ws}/accounts/connect`, { platform: 'x' }];
    case 'GET /api/v1/oauth/{platform}/callback':
      // always a redirect; a state the server never issued
      return ['/api/v1/oauth/x/callback?state=matrix&code=matrix'];
    case 'GET /api/v1/workspaces/{id}/accounts/pending/{pending_id}':
      return [`/api/v1/workspaces/${ws}/accounts/pending/999999`];
    case 'POST /api/v1/workspaces/{id}/accounts/pending/{pending_id}':
      return [`/api/v1/workspaces/${ws}/accounts/pending/999999`, { remote_ids: ['matrix'] }];
    case 'POST /api/v1/workspaces/{id}/accounts/{account_id}/refresh':
      // no such account: the handler's 404 "no such account" counts as let through
      return [`/api/v1/workspaces/${ws}/accounts/999999/refresh`, { force: false }];
    case 'DELETE /api/v1/workspaces/{id}/accounts/{account_id}':
      return [`/api/v1/workspaces/${ws}/accounts/999999`];
    case 'POST /api/v1/invitations/{token}/accept': {
      const inv = await owner.post(`/api/v1/workspaces/${other}/invitations`, { role: 'viewer' });
      return [`/api/v1/invitations/${inv.json.token}/accept`, {}];
    }
    default: {
      const [, path] = route.split(' ');
      return [path.replace('{id}', ws), ['POST', 'PATCH', 'PUT'].includes(route.split(' ')[0]) ? {} : undefined];
    }
  }
}

// Routes that end the caller's session or membership run last, on their own.
const LAST = new Set(['POST /api/v1/auth/logout', 'POST /api/v1/workspaces/{id}/leave', 'DELETE /api/v1/workspaces/{id}', 'POST /api/v1/auth/register', 'POST /api/v1/auth/login']);

describe('permission table', () => {
  test('the table covers every route in the OpenAPI document', () => {
    const doc = JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8'));
    const documented = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const m of ['get', 'post', 'put', 'patch', 'delete']) if (item[m]) documented.push(`${m.toUpperCase()} ${path}`);
    }
    assert.deepEqual(documented.sort(), Object.keys(NEEDS).sort());
  });

  for (const route of Object.keys(NEEDS).filter((r) => !LAST.has(r))) {
    test(route, async () => {
      const method = route.split(' ')[0];
      for (const caller of callers) {
        const [path, body] = await prepare(route, caller);
        const r = await caller.client.call(method, path, body);
        assert.equal(outcome(r), expected(NEEDS[route], caller, { browser: BROWSER.has(route) }), `${route} as ${caller.kind}: ${r.status} ${r.text}`);
      }
    });
  }

  test('POST /api/v1/auth/register and /login are open to everyone', async () => {
    for (const route of ['POST /api/v1/auth/register', 'POST /api/v1/auth/login']) {
      const [path, body] = await prepare(route, callers[0]);
      const r = await new Client(srv).post(path, body);
      assert.equal(outcome(r), 'ok', `${route}: ${r.status}`);
    }
  });

  test('leaving and deleting follow the table too (on fresh teams)', async () => {
    for (const route of ['POST /api/v1/workspaces/{id}/leave', 'DELETE /api/v1/workspaces/{id}']) {
      const fresh = await makeTeam(srv, 'Fresh');
      const order = [['anonymous', null], ['outsider', null], ...['viewer', 'contributor', 'editor', 'admin'].map((r) => [r, r])];
      if (route.startsWith('DELETE')) order.push(['owner', 'owner']);
      for (const [kind, role] of order) {
        const c = fresh.by[kind];
        const r = await c.call(route.split(' ')[0], `/api/v1/workspaces/${fresh.ws}${route.endsWith('leave') ? '/leave' : ''}`, route.endsWith('leave') ? {} : undefined);
        assert.equal(outcome(r), expected(NEEDS[route], { kind, role }, { browser: BROWSER.has(route) }), `${route} as ${kind}: ${r.status} ${r.text}`);
      }
    }
  });

  test('an owner\'s API key cannot delete the workspace', async () => {
    const fresh = await makeTeam(srv, 'Keyed');
    const k = await fresh.by.owner.post('/api/v1/me/api-keys', { name: 'owner key', workspace_ids: [fresh.ws] });
    const bot = new Client(srv, { apiKey: k.json.key });
    const r = await bot.del(`/api/v1/workspaces/${fresh.ws}`);
    assert.equal(outcome(r), expected('owner', { kind: 'owner+key', role: 'owner', viaKey: true }, { browser: true }));
    assert.equal(r.json.error.code, 'session_required');
    assert.equal((await fresh.by.owner.get(`/api/v1/workspaces/${fresh.ws}`)).status, 200);
  });

  test('POST /api/v1/auth/logout: sessions only', async () => {
    for (const caller of callers) {
      const r = await caller.client.post('/api/v1/auth/logout');
      assert.equal(outcome(r), expected('session', caller), `logout as ${caller.kind}`);
    }
  });
});

// Every route x every kind of caller: the outcome the permission table in
// src/auth/rbac.c promises.  Callers: signed out, signed in but not a member,
// each of the five roles with a browser session, and each role with an API key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, request, sql, ROOT } from '../lib/harness.mjs';
import { Client, signup, createWorkspace, addMember, makeTeam, ROLES, PASSWORD } from '../lib/api.mjs';
import { seedAccount, dayFromNow } from '../lib/posts.mjs';

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
  'GET /api/v1/events': 'user',
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
  'GET /api/v1/workspaces/{id}/posts': 'viewer',
  'POST /api/v1/workspaces/{id}/posts': 'contributor',
  'POST /api/v1/workspaces/{id}/posts/validate': 'contributor',
  'GET /api/v1/workspaces/{id}/posts/export.csv': 'viewer',
  'POST /api/v1/workspaces/{id}/posts/import': 'editor',
  'GET /api/v1/workspaces/{id}/posts/{post_id}': 'viewer',
  'PATCH /api/v1/workspaces/{id}/posts/{post_id}': 'contributor',
  'DELETE /api/v1/workspaces/{id}/posts/{post_id}': 'contributor',
  'POST /api/v1/workspaces/{id}/posts/{post_id}/submit': 'contributor',
  'POST /api/v1/workspaces/{id}/posts/{post_id}/approve': 'editor',
  'POST /api/v1/workspaces/{id}/posts/{post_id}/request-changes': 'editor',
  'POST /api/v1/workspaces/{id}/posts/{post_id}/schedule': 'editor',
  'POST /api/v1/workspaces/{id}/posts/{post_id}/cancel': 'editor',
  'GET /api/v1/workspaces/{id}/posts/{post_id}/attempts': 'viewer',
  'POST /api/v1/workspaces/{id}/posts/{post_id}/targets/{target_id}/retry': 'editor',
  'POST /api/v1/workspaces/{id}/posts/{post_id}/targets/{target_id}/cancel': 'editor',
  // Its own bearer token (P2S_METRICS_TOKEN), unset on this server: 404 for everyone, which the
  // matrix counts as let through; the token itself is tested below on a server that has one.
  'GET /api/v1/admin/engine': 'public',
  'GET /api/v1/workspaces/{id}/calendar': 'viewer',
  'GET /api/v1/workspaces/{id}/campaigns': 'viewer',
  'POST /api/v1/workspaces/{id}/campaigns': 'editor',
  'GET /api/v1/workspaces/{id}/campaigns/{campaign_id}': 'viewer',
  'PATCH /api/v1/workspaces/{id}/campaigns/{campaign_id}': 'editor',
  'DELETE /api/v1/workspaces/{id}/campaigns/{campaign_id}': 'editor',
  'GET /api/v1/workspaces/{id}/queue': 'viewer',
  'PUT /api/v1/workspaces/{id}/queue': 'editor',
  'GET /api/v1/workspaces/{id}/queue/upcoming': 'viewer',
  'POST /api/v1/workspaces/{id}/queue/reorder': 'editor',
  'POST /api/v1/workspaces/{id}/queue/shuffle': 'editor',
  'GET /api/v1/notifications': 'user',
  'GET /api/v1/notifications/unread-count': 'user',
  'POST /api/v1/notifications/read-all': 'user',
  'POST /api/v1/notifications/{notification_id}/read': 'user',
  'GET /api/v1/workspaces/{id}/notification-preferences': 'viewer',
  'PUT /api/v1/workspaces/{id}/notification-preferences': 'viewer',
  'GET /api/v1/workspaces/{id}/webhooks': 'admin',
  'POST /api/v1/workspaces/{id}/webhooks': 'admin',
  'GET /api/v1/workspaces/{id}/webhooks/{webhook_id}': 'admin',
  'PATCH /api/v1/workspaces/{id}/webhooks/{webhook_id}': 'admin',
  'DELETE /api/v1/workspaces/{id}/webhooks/{webhook_id}': 'admin',
  'POST /api/v1/workspaces/{id}/webhooks/{webhook_id}/rotate-secret': 'admin',
  'GET /api/v1/workspaces/{id}/webhooks/{webhook_id}/deliveries': 'admin',
  'POST /api/v1/workspaces/{id}/webhooks/{webhook_id}/test': 'admin',
};
// What a caller the table lets through must get: prepare builds valid input for these routes,
// so an answer from the handler other than success means the arguments, not the guard, are wrong.
const SUCCESS = {
  'GET /api/v1/events': 200,
  'GET /api/v1/workspaces/{id}/posts': 200,
  'POST /api/v1/workspaces/{id}/posts': 201,
  'POST /api/v1/workspaces/{id}/posts/validate': 200,
  'GET /api/v1/workspaces/{id}/posts/export.csv': 200,
  'POST /api/v1/workspaces/{id}/posts/import': 201,
  'GET /api/v1/workspaces/{id}/posts/{post_id}': 200,
  'PATCH /api/v1/workspaces/{id}/posts/{post_id}': 200,
  'DELETE /api/v1/workspaces/{id}/posts/{post_id}': 204,
  'POST /api/v1/workspaces/{id}/posts/{post_id}/submit': 200,
  'POST /api/v1/workspaces/{id}/posts/{post_id}/approve': 200,
  'POST /api/v1/workspaces/{id}/posts/{post_id}/request-changes': 200,
  'POST /api/v1/workspaces/{id}/posts/{post_id}/schedule': 200,
  'POST /api/v1/workspaces/{id}/posts/{post_id}/cancel': 200,
  'GET /api/v1/workspaces/{id}/posts/{post_id}/attempts': 200,
  'POST /api/v1/workspaces/{id}/posts/{post_id}/targets/{target_id}/retry': 200,
  'POST /api/v1/workspaces/{id}/posts/{post_id}/targets/{target_id}/cancel': 200,
  'GET /api/v1/admin/engine': 404,
  'GET /api/v1/workspaces/{id}/calendar': 200,
  'GET /api/v1/workspaces/{id}/campaigns': 200,
  'POST /api/v1/workspaces/{id}/campaigns': 201,
  'GET /api/v1/workspaces/{id}/campaigns/{campaign_id}': 200,
  'PATCH /api/v1/workspaces/{id}/campaigns/{campaign_id}': 200,
  'DELETE /api/v1/workspaces/{id}/campaigns/{campaign_id}': 204,
  'GET /api/v1/workspaces/{id}/queue': 200,
  'PUT /api/v1/workspaces/{id}/queue': 200,
  'GET /api/v1/workspaces/{id}/queue/upcoming': 200,
  'POST /api/v1/workspaces/{id}/queue/reorder': 200,
  'POST /api/v1/workspaces/{id}/queue/shuffle': 200,
  'GET /api/v1/notifications': 200,
  'GET /api/v1/notifications/unread-count': 200,
  'POST /api/v1/notifications/read-all': 200,
  // (read: a member gets one of their own, 200; the outsider has none to read, 404)
  'GET /api/v1/workspaces/{id}/notification-preferences': 200,
  'PUT /api/v1/workspaces/{id}/notification-preferences': 200,
  'GET /api/v1/workspaces/{id}/webhooks': 200,
  'POST /api/v1/workspaces/{id}/webhooks': 201,
  'GET /api/v1/workspaces/{id}/webhooks/{webhook_id}': 200,
  'PATCH /api/v1/workspaces/{id}/webhooks/{webhook_id}': 200,
  'DELETE /api/v1/workspaces/{id}/webhooks/{webhook_id}': 204,
  'POST /api/v1/workspaces/{id}/webhooks/{webhook_id}/rotate-secret': 200,
  'GET /api/v1/workspaces/{id}/webhooks/{webhook_id}/deliveries': 200,
  'POST /api/v1/workspaces/{id}/webhooks/{webhook_id}/test': 202,
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
const seeded = {}; // a connected account, a post, a campaign and a webhook in team.ws, for routes that need one
let serial = 0;

before(async () => {
  // Accounts here are written straight into the store (no tokens): nothing is published.
  srv = await startServer({ args: ['--no-worker'] });
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
  const owner = team.by.owner;
  seeded.account = seedAccount(srv, team.ws, 'x', 'Matrix on X', { username: 'matrix' });
  seeded.post = await newPost(owner);
  const c = await owner.post(`/api/v1/workspaces/${team.ws}/campaigns`, { name: 'Matrix campaign' });
  assert.equal(c.status, 201, c.text);
  seeded.campaign = c.json.campaign.id;
  seeded.webhook = await newWebhook();
  // two queued posts, so reordering and shuffling have something to move
  const q = await owner.put(`/api/v1/workspaces/${team.ws}/queue`, { account_id: null, slots: [{ weekday: 1, time: '09:00' }, { weekday: 4, time: '15:00' }] });
  assert.equal(q.status, 200, q.text);
  for (let i = 0; i < 2; i++) await newPost(owner, { action: 'schedule', schedule: { mode: 'queue' } });
});

/** A valid post body for the seeded account, with a text of its own (no duplicate warnings). */
function postBody(extra = {}) {
  serial += 1;
  return { body: `Matrix post ${serial}`, targets: [{ account_id: seeded.account }], ...extra };
}

/** author writes a post (by default a draft); returns its id. */
async function newPost(author, extra = {}) {
  const r = await author.post(`/api/v1/workspaces/${team.ws}/posts`, postBody(extra));
  assert.equal(r.status, 201, r.text);
  return r.json.post.id;
}

/**
 * A post scheduled a week ahead with its one target; returns [post id, target id].  failed: the
 * target (and the post) as the publishing engine leaves them when it gives up (this server runs
 * no worker, so the store is written directly).
 */
async function scheduledTarget({ failed = false } = {}) {
  const r = await team.by.owner.post(`/api/v1/workspaces/${team.ws}/posts`, postBody({ action: 'schedule', schedule: future() }));
  assert.equal(r.status, 201, r.text);
  const post = r.json.post;
  assert.equal(post.state, 'scheduled', r.text);
  const target = post.targets[0].id;
  if (failed) {
    sql(srv, `UPDATE post_targets SET state = 'failed', attempts = 1, failures = 1, error_code = 'matrix', error_message = 'Refused by the matrix' WHERE id = ${target}`);
    sql(srv, `UPDATE posts SET state = 'failed' WHERE id = ${post.id}`);
  }
  return [post.id, target];
}

/**
 * A webhook of team.ws made by the owner; returns its id.  Made at a public address, then pointed
 * at a closed loopback port in the store, so a test delivery is refused at sending and nothing
 * leaves the machine.
 */
async function newWebhook() {
  const r = await team.by.owner.post(`/api/v1/workspaces/${team.ws}/webhooks`, { url: 'https://1.1.1.1/matrix', events: ['*'], active: false });
  assert.equal(r.status, 201, r.text);
  sql(srv, `UPDATE webhooks SET url = 'http://127.0.0.1:9/matrix' WHERE id = ${r.json.webhook.id}`);
  return r.json.webhook.id;
}

/** A notification of the caller's own in team.ws (written to the store); 999999 for non-members. */
function ownNotification(caller) {
  const person = caller.person || caller.client;
  if (!caller.role || !person.user) return 999999;
  const out = sql(
    srv,
    `INSERT INTO notifications (user_id, workspace_id, event, title, body, link, data, created_at) ` +
      `VALUES (${person.user.id}, ${team.ws}, 'invitation.accepted', 'Matrix', 'Matrix', NULL, '{}', ${Date.now()}) RETURNING id`,
  );
  return Number(out.trim().split('\n').pop());
}

/** A time a week ahead, as wall time in the workspace's zone. */
function future() {
  return { mode: 'at', local: `${dayFromNow(7)}T10:00` };
}

/**
 * Who writes the post a call by caller works on.  Contributors may change and delete only their
 * own drafts (a rule of the handler, beyond the route's permission), so they get one of their own;
 * everyone else gets the owner's, which editors and up may change and the guard refuses to others.
 */
function authorFor(caller) {
  return caller.role === 'contributor' ? caller.client : team.by.owner;
}

after(async () => {
  await srv.stop();
});

/** Fresh arguments for one call of a route by a caller: [path, body, call options (e.g. headers)]. */
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
    case 'GET /api/v1/events':
      // the missed events, then the end (a live stream would never end)
      return ['/api/v1/events?once=1&last_event_id=0'];
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
    case 'GET /api/v1/workspaces/{id}/posts':
      return [`/api/v1/workspaces/${ws}/posts?state=draft,scheduled&limit=10`];
    case 'POST /api/v1/workspaces/{id}/posts':
      return [`/api/v1/workspaces/${ws}/posts`, postBody()];
    case 'POST /api/v1/workspaces/{id}/posts/validate':
      return [`/api/v1/workspaces/${ws}/posts/validate`, postBody({ schedule: future() })];
    case 'GET /api/v1/workspaces/{id}/posts/export.csv':
      return [`/api/v1/workspaces/${ws}/posts/export.csv?state=draft`];
    case 'POST /api/v1/workspaces/{id}/posts/import':
      // a CSV body, not JSON; one draft for the seeded account
      serial += 1;
      return [`/api/v1/workspaces/${ws}/posts/import`, `text,accounts,time\r\nMatrix import ${serial},${seeded.account},\r\n`, { headers: { 'Content-Type': 'text/csv' } }];
    case 'GET /api/v1/workspaces/{id}/posts/{post_id}':
      return [`/api/v1/workspaces/${ws}/posts/${seeded.post}`];
    // Routes that change a post's state or delete it: a fresh post for every call.
    case 'PATCH /api/v1/workspaces/{id}/posts/{post_id}':
      return [`/api/v1/workspaces/${ws}/posts/${await newPost(authorFor(caller))}`, { body: 'Changed by the matrix' }];
    case 'DELETE /api/v1/workspaces/{id}/posts/{post_id}':
      return [`/api/v1/workspaces/${ws}/posts/${await newPost(authorFor(caller))}`];
    case 'POST /api/v1/workspaces/{id}/posts/{post_id}/submit':
      return [`/api/v1/workspaces/${ws}/posts/${await newPost(authorFor(caller))}/submit`, {}];
    case 'POST /api/v1/workspaces/{id}/posts/{post_id}/approve':
      return [`/api/v1/workspaces/${ws}/posts/${await newPost(owner, { action: 'submit' })}/approve`, {}];
    case 'POST /api/v1/workspaces/{id}/posts/{post_id}/request-changes':
      return [`/api/v1/workspaces/${ws}/posts/${await newPost(owner, { action: 'submit' })}/request-changes`, { note: 'Say when it opens' }];
    case 'POST /api/v1/workspaces/{id}/posts/{post_id}/schedule':
      return [`/api/v1/workspaces/${ws}/posts/${await newPost(owner)}/schedule`, { schedule: future() }];
    case 'POST /api/v1/workspaces/{id}/posts/{post_id}/cancel':
      return [`/api/v1/workspaces/${ws}/posts/${await newPost(owner, { action: 'schedule', schedule: future() })}/cancel`, {}];
    case 'GET /api/v1/workspaces/{id}/posts/{post_id}/attempts':
      return [`/api/v1/workspaces/${ws}/posts/${seeded.post}/attempts`];
    // Publishing: a fresh target for every call, failed for a retry, waiting for a cancel.
    case 'POST /api/v1/workspaces/{id}/posts/{post_id}/targets/{target_id}/retry': {
      const [post, target] = await scheduledTarget({ failed: true });
      return [`/api/v1/workspaces/${ws}/posts/${post}/targets/${target}/retry`, {}];
    }
    case 'POST /api/v1/workspaces/{id}/posts/{post_id}/targets/{target_id}/cancel': {
      const [post, target] = await scheduledTarget();
      return [`/api/v1/workspaces/${ws}/posts/${post}/targets/${target}/cancel`, {}];
    }
    case 'GET /api/v1/workspaces/{id}/calendar':
      return [`/api/v1/workspaces/${ws}/calendar?from=${dayFromNow(0)}&to=${dayFromNow(31)}`];
    case 'POST /api/v1/workspaces/{id}/campaigns':
      serial += 1;
      return [`/api/v1/workspaces/${ws}/campaigns`, { name: `Matrix ${serial}`, color: '#2f855a' }];
    case 'GET /api/v1/workspaces/{id}/campaigns/{campaign_id}':
      return [`/api/v1/workspaces/${ws}/campaigns/${seeded.campaign}`];
    case 'PATCH /api/v1/workspaces/{id}/campaigns/{campaign_id}':
      return [`/api/v1/workspaces/${ws}/campaigns/${seeded.campaign}`, { description: 'Changed by the matrix' }];
    case 'DELETE /api/v1/workspaces/{id}/campaigns/{campaign_id}': {
      serial += 1;
      const c = await owner.post(`/api/v1/workspaces/${ws}/campaigns`, { name: `Matrix to delete ${serial}` });
      assert.equal(c.status, 201, c.text);
      return [`/api/v1/workspaces/${ws}/campaigns/${c.json.campaign.id}`];
    }
    case 'PUT /api/v1/workspaces/{id}/queue':
      return [`/api/v1/workspaces/${ws}/queue`, { account_id: null, slots: [{ weekday: 1, time: '09:00' }, { weekday: 4, time: '15:00' }] }];
    case 'GET /api/v1/workspaces/{id}/queue/upcoming':
      return [`/api/v1/workspaces/${ws}/queue/upcoming?limit=5`];
    case 'POST /api/v1/workspaces/{id}/queue/reorder': {
      // every queued post of the workspace's queue, as it is now, in the reverse order
      const up = await owner.get(`/api/v1/workspaces/${ws}/queue/upcoming?limit=100`);
      assert.equal(up.status, 200, up.text);
      const ids = up.json.items.filter((i) => i.post).map((i) => i.post.id);
      assert.ok(ids.length >= 2, up.text);
      return [`/api/v1/workspaces/${ws}/queue/reorder`, { account_id: null, post_ids: ids.reverse() }];
    }
    case 'POST /api/v1/workspaces/{id}/queue/shuffle':
      return [`/api/v1/workspaces/${ws}/queue/shuffle`, { account_id: null }];
    case 'POST /api/v1/notifications/read-all':
      return ['/api/v1/notifications/read-all', {}];
    case 'POST /api/v1/notifications/{notification_id}/read':
      return [`/api/v1/notifications/${ownNotification(caller)}/read`, {}];
    case 'PUT /api/v1/workspaces/{id}/notification-preferences':
      return [`/api/v1/workspaces/${ws}/notification-preferences`, { kinds: [{ kind: 'target.failed', email: false }], digest: false }];
    case 'POST /api/v1/workspaces/{id}/webhooks':
      return [`/api/v1/workspaces/${ws}/webhooks`, { url: 'https://1.1.1.1/matrix-made', events: ['target.failed'], active: false }];
    case 'GET /api/v1/workspaces/{id}/webhooks/{webhook_id}':
      return [`/api/v1/workspaces/${ws}/webhooks/${seeded.webhook}`];
    case 'PATCH /api/v1/workspaces/{id}/webhooks/{webhook_id}':
      return [`/api/v1/workspaces/${ws}/webhooks/${seeded.webhook}`, { events: ['target.failed', 'target.recovered'] }];
    case 'DELETE /api/v1/workspaces/{id}/webhooks/{webhook_id}':
      // a fresh one for those the table lets through (a workspace holds at most 20)
      return [`/api/v1/workspaces/${ws}/webhooks/${['owner', 'admin'].includes(caller.role) ? await newWebhook() : seeded.webhook}`];
    case 'POST /api/v1/workspaces/{id}/webhooks/{webhook_id}/rotate-secret':
      return [`/api/v1/workspaces/${ws}/webhooks/${seeded.webhook}/rotate-secret`, {}];
    case 'GET /api/v1/workspaces/{id}/webhooks/{webhook_id}/deliveries':
      return [`/api/v1/workspaces/${ws}/webhooks/${seeded.webhook}/deliveries?limit=10`];
    case 'POST /api/v1/workspaces/{id}/webhooks/{webhook_id}/test':
      return [`/api/v1/workspaces/${ws}/webhooks/${seeded.webhook}/test`, {}];
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
        const [path, body, opts] = await prepare(route, caller);
        const r = await caller.client.call(method, path, body, opts);
        const want = expected(NEEDS[route], caller, { browser: BROWSER.has(route) });
        assert.equal(outcome(r), want, `${route} as ${caller.kind}: ${r.status} ${r.text}`);
        if (want === 'ok' && SUCCESS[route]) assert.equal(r.status, SUCCESS[route], `${route} as ${caller.kind}: ${r.status} ${r.text}`);
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

  test('GET /api/v1/admin/engine takes the metrics token, and only it', async () => {
    const token = 'matrix-metrics-token-0123456789';
    const metrics = await startServer({ args: ['--no-worker'], env: { P2S_METRICS_TOKEN: token } });
    try {
      const call = (headers) => request(metrics, 'GET', '/api/v1/admin/engine', { headers });
      for (const headers of [{}, { Authorization: `Bearer ${token}x` }, { Authorization: token }, { Authorization: `Basic ${token}` }]) {
        const r = await call(headers);
        assert.equal(r.status, 401, `${JSON.stringify(headers)}: ${r.status} ${r.text}`);
        assert.equal(r.json.error.code, 'unauthenticated');
      }
      const r = await call({ Authorization: `Bearer ${token}` });
      assert.equal(r.status, 200, r.text);
      assert.equal(typeof r.json.store.due, 'number', r.text);
      assert.equal(typeof r.json.store.lateness_ms.count, 'number', r.text);
      assert.equal(r.json.this_worker, null, 'no worker runs in this process');
      assert.equal('last_attempt_ms' in r.json.store, false, r.text);
      // a person's API key is not the metrics token
      const person = await signup(metrics);
      const k = await person.post('/api/v1/me/api-keys', { name: 'not metrics', workspace_ids: [] });
      assert.equal(k.status, 201, k.text);
      assert.equal((await call({ Authorization: `Bearer ${k.json.key}` })).status, 401);
    } finally {
      await metrics.stop();
    }
  });

  test('POST /api/v1/auth/logout: sessions only', async () => {
    for (const caller of callers) {
      const r = await caller.client.post('/api/v1/auth/logout');
      assert.equal(outcome(r), expected('session', caller), `logout as ${caller.kind}`);
    }
  });
});

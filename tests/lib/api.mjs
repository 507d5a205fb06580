// API clients for tests: a browser-like client (session cookie + CSRF token) or an
// API-key client, and a ready-made team with one member of every role.
import { randomBytes } from 'node:crypto';

export const PASSWORD = 'correct horse battery staple';

/** A unique email for this run. */
export function uniqueEmail(tag = 'user') {
  return `${tag}-${randomBytes(5).toString('hex')}@example.com`;
}

export class Client {
  constructor(srv, { apiKey = null, ip = null } = {}) {
    this.srv = srv;
    this.cookie = null;
    this.csrf = null;
    this.apiKey = apiKey;
    this.ip = ip;
    this.user = null;
  }

  /** One request. body: object (JSON) or string. Returns { status, headers, json, text }. */
  async call(method, path, body, { headers = {}, csrf = true } = {}) {
    const h = { ...headers };
    if (this.cookie) h.Cookie = `p2s_session=${this.cookie}`;
    if (this.apiKey) h.Authorization = `Bearer ${this.apiKey}`;
    if (this.ip) h['X-Forwarded-For'] = this.ip;
    if (csrf && this.csrf && method !== 'GET' && method !== 'HEAD' && !('X-CSRF-Token' in h)) {
      h['X-CSRF-Token'] = this.csrf;
    }
    let payload;
    if (body !== undefined && body !== null) {
      if (typeof body === 'string' || Buffer.isBuffer(body)) {
        payload = body;
      } else {
        payload = JSON.stringify(body);
      }
      if (!Buffer.isBuffer(body) && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
    }
    const res = await fetch(this.srv.url + path, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const m = setCookie.match(/p2s_session=([^;]*)/);
      if (m) this.cookie = m[1] || null;
    }
    if (json && typeof json.csrf_token === 'string') this.csrf = json.csrf_token;
    if (json && json.user) this.user = json.user;
    return { status: res.status, headers: res.headers, json, text, setCookie };
  }

  get(path, opts) {
    return this.call('GET', path, undefined, opts);
  }
  post(path, body = {}, opts) {
    return this.call('POST', path, body, opts);
  }
  patch(path, body = {}, opts) {
    return this.call('PATCH', path, body, opts);
  }
  put(path, body = {}, opts) {
    return this.call('PUT', path, body, opts);
  }
  del(path, opts) {
    return this.call('DELETE', path, undefined, opts);
  }
}

/** Register a new person; returns a signed-in Client (throws unless 201). */
export async function signup(srv, { name = 'Test Person', email = uniqueEmail(), password = PASSWORD, ip } = {}) {
  const c = new Client(srv, { ip });
  const r = await c.post('/api/v1/auth/register', { name, email, password, confirm_age: true });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${r.text}`);
  c.email = email;
  c.password = password;
  return c;
}

/** owner creates a workspace; returns its id. */
export async function createWorkspace(owner, name = 'Team', timezone = 'Europe/Paris') {
  const r = await owner.post('/api/v1/workspaces', { name, timezone });
  if (r.status !== 201) throw new Error(`create workspace failed: ${r.status} ${r.text}`);
  return r.json.workspace.id;
}

/** inviter invites with role; member accepts.  Throws on failure. */
export async function addMember(inviter, wsId, member, role) {
  const inv = await inviter.post(`/api/v1/workspaces/${wsId}/invitations`, { role });
  if (inv.status !== 201) throw new Error(`invite failed: ${inv.status} ${inv.text}`);
  const acc = await member.post(`/api/v1/invitations/${inv.json.token}/accept`);
  if (acc.status !== 200) throw new Error(`accept failed: ${acc.status} ${acc.text}`);
}

export const ROLES = ['owner', 'admin', 'editor', 'contributor', 'viewer'];

/**
 * A workspace with one person of every role, plus an outsider (signed in, not a member)
 * and an anonymous client.  Returns { ws, by: {owner, admin, ..., outsider, anonymous} }.
 */
export async function makeTeam(srv, name = 'Team') {
  const owner = await signup(srv, { name: 'Owner' });
  const ws = await createWorkspace(owner, name);
  const by = { owner };
  for (const role of ROLES.slice(1)) {
    by[role] = await signup(srv, { name: role[0].toUpperCase() + role.slice(1) });
    await addMember(owner, ws, by[role], role);
  }
  by.outsider = await signup(srv, { name: 'Outsider' });
  by.anonymous = new Client(srv);
  return { ws, by };
}

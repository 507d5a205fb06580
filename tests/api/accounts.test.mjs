// Accounts: registration, sign-in and sign-out, sessions, CSRF, profile, password,
// throttling, and what the database keeps (no secret in clear).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql } from '../lib/harness.mjs';
import { Client, signup, uniqueEmail, PASSWORD } from '../lib/api.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.stop();
});

function count(table, where = '1=1') {
  return Number(sql(srv, `SELECT COUNT(*) FROM ${table} WHERE ${where}`).trim());
}

describe('registration', () => {
  test('creates the account, signs in, returns a CSRF token', async () => {
    const c = new Client(srv);
    const email = uniqueEmail('reg');
    const r = await c.post('/api/v1/auth/register', { name: 'Ana Lima', email, password: PASSWORD, confirm_age: true });
    assert.equal(r.status, 201);
    assert.equal(r.json.user.email, email);
    assert.equal(r.json.user.name, 'Ana Lima');
    assert.equal(r.json.user.timezone, 'UTC');
    assert.match(r.json.csrf_token, /^[A-Za-z0-9_-]{43}$/);
    assert.match(r.setCookie, /^p2s_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const me = await c.get('/api/v1/me');
    assert.equal(me.status, 200);
    assert.equal(me.json.user.id, r.json.user.id);
    assert.equal(me.json.csrf_token, r.json.csrf_token);
  });

  test('a time zone may be given at sign-up', async () => {
    const r = await new Client(srv).post('/api/v1/auth/register', { name: 'Zoned', email: uniqueEmail('tz'), password: PASSWORD, confirm_age: true, timezone: 'Asia/Kolkata' });
    assert.equal(r.status, 201);
    assert.equal(r.json.user.timezone, 'Asia/Kolkata');
    const bad = await new Client(srv).post('/api/v1/auth/register', { name: 'Zoned', email: uniqueEmail('tz'), password: PASSWORD, confirm_age: true, timezone: 'Atlantis/Capital' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'timezone');
  });

  test('emails are normalised and unique without regard to case', async () => {
    const email = uniqueEmail('case');
    await signup(srv, { email });
    const c = new Client(srv);
    const r = await c.post('/api/v1/auth/register', { name: 'Twin', email: '  ' + email.toUpperCase() + ' ', password: PASSWORD, confirm_age: true });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.field, 'email');
    assert.equal(count('users', `email = '${email}'`), 1);
  });

  test('a failed registration or sign-in leaves the browser signed in as before', async () => {
    const a = await signup(srv);
    const taken = await signup(srv);
    let r = await a.post('/api/v1/auth/register', { name: 'Again', email: taken.email, password: PASSWORD, confirm_age: true });
    assert.equal(r.status, 409);
    assert.equal(r.setCookie, null);
    r = await a.post('/api/v1/auth/login', { email: taken.email, password: 'wrong password here' });
    assert.equal(r.status, 401);
    const me = await a.get('/api/v1/me');
    assert.equal(me.status, 200);
    assert.equal(me.json.user.id, a.user.id);
  });

  test('the 18+ confirmation is required', async () => {
    const before = count('users');
    for (const confirm of [undefined, false, 'yes', 1]) {
      const r = await new Client(srv).post('/api/v1/auth/register', { name: 'Kid', email: uniqueEmail('kid'), password: PASSWORD, confirm_age: confirm });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.field, 'confirm_age');
      assert.match(r.json.error.message, /18 or older/);
    }
    assert.equal(count('users'), before);
  });

  test('weak passwords are refused with a reason', async () => {
    const cases = ['short1!', 'password1234', 'Password2024!', 'qwertyuiop', '1234567890', 'aaaaaaaaaaaa', 'Sunshine!!99', 'P@ssw0rd123', 'iloveyou12345'];
    for (const password of cases) {
      const email = uniqueEmail('weak');
      const r = await new Client(srv).post('/api/v1/auth/register', { name: 'W', email, password, confirm_age: true });
      assert.equal(r.status, 400, password);
      assert.equal(r.json.error.field, 'password', password);
    }
    const local = uniqueEmail('mailbox');
    const r = await new Client(srv).post('/api/v1/auth/register', { name: 'W', email: local, password: local.split('@')[0] + '!!', confirm_age: true });
    assert.equal(r.json.error.field, 'password');
  });

  test('bad emails, missing and overlong fields are named', async () => {
    const base = { name: 'N', email: uniqueEmail(), password: PASSWORD, confirm_age: true };
    const cases = [
      [{ email: 'not-an-email' }, 'email'],
      [{ email: 'a@b' }, 'email'],
      [{ email: 'two@@example.com' }, 'email'],
      [{ email: 'dots..here@example.com' }, 'email'],
      [{ email: `${'x'.repeat(65)}@example.com` }, 'email'],
      [{ email: 'ünï@example.com' }, 'email'],
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'tab\there' }, 'name'],
      [{ name: 42 }, 'name'],
      [{ name: undefined }, 'name'],
      [{ password: 12345678901 }, 'password'],
    ];
    for (const [patch, field] of cases) {
      const r = await new Client(srv).post('/api/v1/auth/register', { ...base, ...patch });
      assert.equal(r.status, 400, JSON.stringify(patch));
      assert.equal(r.json.error.field, field, JSON.stringify(patch));
    }
  });
});

describe('sign-in and sessions', () => {
  test('the same answer for an unknown email and a wrong password', async () => {
    const a = await signup(srv);
    const wrong = await new Client(srv).post('/api/v1/auth/login', { email: a.email, password: 'not my password at all' });
    const unknown = await new Client(srv).post('/api/v1/auth/login', { email: uniqueEmail('nobody'), password: 'not my password at all' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.json, unknown.json);
    assert.equal(wrong.setCookie, null);
  });

  test('sign-in rotates the session and sign-out ends it', async () => {
    const a = await signup(srv);
    const first = a.cookie;
    const r = await a.post('/api/v1/auth/login', { email: a.email.toUpperCase(), password: PASSWORD });
    assert.equal(r.status, 200);
    assert.notEqual(a.cookie, first);
    const old = new Client(srv);
    old.cookie = first;
    assert.equal((await old.get('/api/v1/me')).status, 401, 'the old session ended');
    const saved = a.cookie;
    const out = await a.post('/api/v1/auth/logout');
    assert.equal(out.status, 204);
    assert.match(out.setCookie, /p2s_session=; .*Max-Age=0/);
    const ghost = new Client(srv);
    ghost.cookie = saved;
    assert.equal((await ghost.get('/api/v1/me')).status, 401);
  });

  test('people list and end their own sessions, not others\'', async () => {
    const a = await signup(srv);
    const second = new Client(srv);
    await second.post('/api/v1/auth/login', { email: a.email, password: PASSWORD }, { headers: { 'User-Agent': 'SecondBrowser/1.0' } });
    const list = await a.get('/api/v1/me/sessions');
    assert.equal(list.status, 200);
    assert.equal(list.json.items.length, 2);
    const mine = list.json.items.find((s) => s.current);
    const other = list.json.items.find((s) => !s.current);
    assert.ok(mine && other);
    assert.equal(other.user_agent, 'SecondBrowser/1.0');
    assert.equal(other.ip, '127.0.0.1');
    const b = await signup(srv);
    assert.equal((await b.del(`/api/v1/me/sessions/${other.id}`)).status, 404, 'not theirs');
    assert.equal((await a.del(`/api/v1/me/sessions/${other.id}`)).status, 204);
    assert.equal((await second.get('/api/v1/me')).status, 401);
    assert.equal((await a.get('/api/v1/me')).status, 200);
  });

  test('an expired session is signed out', async () => {
    const a = await signup(srv);
    sql(srv, `UPDATE sessions SET expires_at = 1 WHERE user_id = ${a.user.id}`);
    assert.equal((await a.get('/api/v1/me')).status, 401);
    const b = await signup(srv);
    sql(srv, `UPDATE sessions SET last_seen_at = 1 WHERE user_id = ${b.user.id}`);
    assert.equal((await b.get('/api/v1/me')).status, 401, 'idle too long');
  });
});

describe('CSRF', () => {
  test('state-changing cookie requests need the session\'s token', async () => {
    const a = await signup(srv);
    const before = count('workspaces');
    let r = await a.post('/api/v1/workspaces', { name: 'No token' }, { csrf: false });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'csrf_failed');
    r = await a.post('/api/v1/workspaces', { name: 'Wrong token' }, { headers: { 'X-CSRF-Token': 'x'.repeat(43) } });
    assert.equal(r.status, 403);
    const b = await signup(srv);
    r = await a.post('/api/v1/workspaces', { name: 'Other token' }, { headers: { 'X-CSRF-Token': b.csrf } });
    assert.equal(r.status, 403, 'a token of another session');
    assert.equal(count('workspaces'), before);
    r = await a.post('/api/v1/workspaces', { name: 'Right token' });
    assert.equal(r.status, 201);
    assert.equal((await a.get('/api/v1/me/sessions', { csrf: false })).status, 200, 'reads need none');
  });

  test('API-key requests need no CSRF token', async () => {
    const a = await signup(srv);
    const k = await a.post('/api/v1/me/api-keys', { name: 'ci', workspace_ids: [] });
    const bot = new Client(srv, { apiKey: k.json.key });
    const r = await bot.get('/api/v1/workspaces');
    assert.equal(r.status, 200);
    assert.equal((await bot.get('/api/v1/me')).json.csrf_token, null);
  });
});

describe('profile and password', () => {
  test('name, email and time zone can be corrected', async () => {
    const a = await signup(srv);
    const email = uniqueEmail('moved');
    const r = await a.patch('/api/v1/me', { name: 'New Name', email: email.toUpperCase(), timezone: 'America/Sao_Paulo' });
    assert.equal(r.status, 200);
    assert.equal(r.json.user.name, 'New Name');
    assert.equal(r.json.user.email, email);
    assert.equal(r.json.user.timezone, 'America/Sao_Paulo');
    assert.equal((await new Client(srv).post('/api/v1/auth/login', { email, password: PASSWORD })).status, 200);
  });

  test('bad time zones and taken emails are refused', async () => {
    const a = await signup(srv);
    const b = await signup(srv);
    for (const tz of ['Mars/Olympus', '../../etc/passwd', 'Europe/Paris ', '', 'x'.repeat(70)]) {
      const r = await a.patch('/api/v1/me', { timezone: tz });
      assert.equal(r.status, 400, tz);
      assert.equal(r.json.error.field, 'timezone');
    }
    const r = await a.patch('/api/v1/me', { email: b.email });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.field, 'email');
    assert.equal((await a.patch('/api/v1/me', {})).status, 400);
  });

  test('changing the password ends every other session and keeps this browser in', async () => {
    const a = await signup(srv);
    const other = new Client(srv);
    await other.post('/api/v1/auth/login', { email: a.email, password: PASSWORD });
    const before = a.cookie;
    let r = await a.put('/api/v1/me/password', { current_password: 'wrong wrong wrong', new_password: 'a brand new passphrase' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, 'current_password');
    r = await a.put('/api/v1/me/password', { current_password: PASSWORD, new_password: 'qwertyuiop' });
    assert.equal(r.json.error.field, 'new_password');
    r = await a.put('/api/v1/me/password', { current_password: PASSWORD, new_password: 'a brand new passphrase' });
    assert.equal(r.status, 200);
    assert.notEqual(a.cookie, before, 'a new session for this browser');
    assert.equal((await a.get('/api/v1/me')).status, 200);
    assert.equal((await other.get('/api/v1/me')).status, 401, 'the other session ended');
    assert.equal((await new Client(srv).post('/api/v1/auth/login', { email: a.email, password: PASSWORD })).status, 401);
    assert.equal((await new Client(srv).post('/api/v1/auth/login', { email: a.email, password: 'a brand new passphrase' })).status, 200);
  });
});

describe('API keys', () => {
  test('shown once, stored hashed, revocable, with last-used time', async () => {
    const a = await signup(srv);
    const k = await a.post('/api/v1/me/api-keys', { name: 'deploy bot', workspace_ids: [] });
    assert.equal(k.status, 201);
    assert.match(k.json.key, /^p2s_[A-Za-z0-9_-]{43}$/);
    assert.equal(k.json.api_key.prefix, k.json.key.slice(0, 12));
    const list = await a.get('/api/v1/me/api-keys');
    assert.equal(list.json.items.length, 1);
    assert.ok(!list.text.includes(k.json.key), 'never shown again');
    const bot = new Client(srv, { apiKey: k.json.key });
    assert.equal((await bot.get('/api/v1/me')).json.user.id, a.user.id);
    const used = await a.get('/api/v1/me/api-keys');
    assert.ok(used.json.items[0].last_used_at);
    assert.equal((await bot.get('/api/v1/me/api-keys')).status, 403, 'keys cannot manage keys');
    assert.equal((await a.del(`/api/v1/me/api-keys/${k.json.api_key.id}`)).status, 204);
    assert.equal((await bot.get('/api/v1/me')).status, 401);
    assert.equal((await new Client(srv, { apiKey: 'p2s_' + 'A'.repeat(43) }).get('/api/v1/me')).status, 401);
    assert.equal((await new Client(srv, { apiKey: 'nonsense' }).get('/healthz')).status, 401);
  });

  test('a key can only be given workspaces its owner belongs to', async () => {
    const a = await signup(srv);
    const b = await signup(srv);
    const ws = (await b.post('/api/v1/workspaces', { name: 'B only' })).json.workspace.id;
    const r = await a.post('/api/v1/me/api-keys', { name: 'sneaky', workspace_ids: [ws] });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, 'workspace_ids');
    assert.equal((await a.post('/api/v1/me/api-keys', { name: 'bad', workspace_ids: 'all' })).json.error.field, 'workspace_ids');
    assert.equal((await a.post('/api/v1/me/api-keys', { name: 'bad', workspace_ids: [-1] })).json.error.field, 'workspace_ids');
  });
});

describe('stored secrets', () => {
  test('no password, session token, API key or invitation token is stored in clear', async () => {
    const password = 'a secret nobody should read';
    const a = await signup(srv, { password });
    const k = await a.post('/api/v1/me/api-keys', { name: 'x', workspace_ids: [] });
    const ws = (await a.post('/api/v1/workspaces', { name: 'Secrets' })).json.workspace.id;
    const inv = await a.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'viewer' });
    const dump = [
      sql(srv, 'SELECT * FROM users'),
      sql(srv, 'SELECT * FROM sessions'),
      sql(srv, 'SELECT * FROM api_keys'),
      sql(srv, 'SELECT * FROM invitations'),
      sql(srv, 'SELECT * FROM activity'),
      sql(srv, 'SELECT * FROM throttle'),
    ].join('\n');
    for (const secret of [password, a.cookie, a.csrf, k.json.key, inv.json.token]) {
      assert.ok(!dump.includes(secret), 'secret found in the database');
    }
    const hash = sql(srv, `SELECT password_hash FROM users WHERE id = ${a.user.id}`).trim();
    assert.match(hash, /^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
    for (const secret of [password, a.cookie, k.json.key, inv.json.token]) {
      assert.ok(!srv.logs().includes(secret), 'secret found in the log');
    }
  });
});

describe('throttling', () => {
  test('sign-in failures per IP and per email: 429 with Retry-After', async () => {
    const t = await startServer({ env: { P2S_AUTH_FAIL_LIMIT: '3', P2S_TRUST_PROXY: '1' } });
    try {
      const victim = await signup(t, { ip: '10.0.0.1' });
      const from = (ip) => new Client(t, { ip });
      // per email: three failures from three addresses, then even the right password waits
      for (const ip of ['10.1.0.1', '10.1.0.2', '10.1.0.3']) {
        assert.equal((await from(ip).post('/api/v1/auth/login', { email: victim.email, password: 'wrong guess 123' })).status, 401);
      }
      const blocked = await from('10.1.0.4').post('/api/v1/auth/login', { email: victim.email, password: PASSWORD });
      assert.equal(blocked.status, 429);
      assert.equal(blocked.json.error.code, 'too_many_requests');
      const ra = Number(blocked.headers.get('retry-after'));
      assert.ok(ra > 0 && ra <= 900, `Retry-After ${ra}`);
      // per IP: one address trying many emails
      const attacker = from('10.2.0.9');
      for (let i = 0; i < 3; i++) {
        assert.equal((await attacker.post('/api/v1/auth/login', { email: uniqueEmail('spray'), password: 'wrong guess 123' })).status, 401);
      }
      const ipBlocked = await attacker.post('/api/v1/auth/login', { email: uniqueEmail('spray'), password: 'x' });
      assert.equal(ipBlocked.status, 429);
      // others are not affected
      const other = await signup(t, { ip: '10.3.0.1' });
      assert.equal((await from('10.3.0.2').post('/api/v1/auth/login', { email: other.email, password: PASSWORD })).status, 200);
    } finally {
      await t.stop();
    }
  });

  test('registration is throttled per IP', async () => {
    const t = await startServer({ env: { P2S_SIGNUP_LIMIT: '2', P2S_TRUST_PROXY: '1' } });
    try {
      await signup(t, { ip: '10.9.0.1' });
      await signup(t, { ip: '10.9.0.1' });
      const r = await new Client(t, { ip: '10.9.0.1' }).post('/api/v1/auth/register', { name: 'Third', email: uniqueEmail(), password: PASSWORD, confirm_age: true });
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) > 0);
      await signup(t, { ip: '10.9.0.2' });
    } finally {
      await t.stop();
    }
  });
});

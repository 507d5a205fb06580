// Email notifications (src/notify/senders.c, smtp.c) through a real SMTP server: aiosmtpd
// (Debian's python3-aiosmtpd, tests/lib/smtp.mjs) saves every message, decoded by Python's
// email package.
//   - a post that fails (revoked grant on the simulator) emails the editor who opted in: the
//     right subject, text and HTML parts, Date, Message-ID, From, To, over an authenticated
//     session; the owner who opted out and a viewer get nothing;
//   - a person who chose the digest gets one email for everything, only once the gathering time
//     has passed (the test moves created_at back instead of waiting), subject RFC 2047-encoded;
//   - the SMTP server down: publishing goes on, the email waits (1 min backoff, the next one
//     behind it is not even tried), and goes out once the server is back;
//   - STARTTLS required but not offered: nothing is sent, the password goes nowhere;
//   - no SMTP set up: emails stay queued, and fail a day after they were queued.
// Preferences are written straight into notification_prefs (the routes have their own tests).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, sql } from '../lib/harness.mjs';
import { signup, createWorkspace, addMember } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';
import { connectAccount, until } from '../lib/connect.mjs';
import { startSmtp } from '../lib/smtp.mjs';

const RUN = randomBytes(3).toString('hex'); // X refuses a text it already has
const FINAL = ['published', 'failed', 'partially_published'];
const FROM = 'Post2Share Tests <notify@p2s.test>';
const WS_NAME = '\u00c9quipe X'; // "Équipe X": the digest subject is not ASCII

/* ---- helpers ---- */

const userId = (srv, email) => Number(sql(srv, `SELECT id FROM users WHERE email = '${email}'`).trim());

/** Set a person's preference for one kind of event (or 'digest'). */
function pref(srv, user, ws, event, { inApp = 1, email = 1 } = {}) {
  sql(
    srv,
    `INSERT INTO notification_prefs (user_id, workspace_id, event, in_app, email) VALUES (${user}, ${ws}, '${event}', ${inApp}, ${email}) ` +
      `ON CONFLICT (user_id, workspace_id, event) DO UPDATE SET in_app = excluded.in_app, email = excluded.email`,
  );
}

/** A person's queued emails, oldest first. */
function outbox(srv, user) {
  const out = sql(
    srv,
    `SELECT id, subject, digest, attempts, next_attempt_at, COALESCE(sent_at, 0), COALESCE(failed_at, 0), lease_until, COALESCE(error, '') ` +
      `FROM email_outbox WHERE user_id = ${user} ORDER BY id`,
  ).trim();
  if (!out) return [];
  return out.split('\n').map((line) => {
    const f = line.split('|');
    return {
      id: Number(f[0]),
      subject: f[1],
      digest: Number(f[2]),
      attempts: Number(f[3]),
      next_attempt_at: Number(f[4]),
      sent_at: Number(f[5]),
      failed_at: Number(f[6]),
      leased: Number(f[7]) > 0, // an attempt in flight
      error: f.slice(8).join('|'),
    };
  });
}

async function publishNow(e, body) {
  const r = await e.owner.post(`/api/v1/workspaces/${e.ws}/posts`, {
    body,
    targets: [{ account_id: e.acc.id }],
    schedule: { mode: 'now' },
    action: 'schedule',
  });
  assert.equal(r.status, 201, r.text);
  return r.json.post;
}

function settle(e, id, ms = 30000) {
  return until(async () => {
    const r = await e.owner.get(`/api/v1/workspaces/${e.ws}/posts/${id}`);
    return FINAL.includes(r.json.post.state) && r.json.post;
  }, ms, `post ${id} to finish publishing`);
}

/** Revoke every grant of X in this simulator. */
async function revokeX(sim) {
  const toks = (await sim.admin('GET', '/_sim/tokens?platform=x')).items;
  const families = [...new Set(toks.map((t) => t.family).filter(Boolean))];
  assert.ok(families.length >= 1, 'a grant to revoke');
  for (const family of families) await sim.admin('POST', '/_sim/tokens/revoke', { family });
}

/** A simulator (optional), an SMTP sink (optional) and a server, with a team; stopped by e.stop(). */
async function startEnv({ sim: withSim = true, smtp: smtpOpts = {}, env = {} } = {}) {
  const e = {};
  e.stop = async () => {
    if (e.srv) await e.srv.stop();
    if (e.sim) await e.sim.stop();
    if (e.smtp) await e.smtp.close();
  };
  try {
    if (withSim) e.sim = await startSim();
    if (smtpOpts) e.smtp = await startSmtp(smtpOpts);
    e.srv = await startServer({
      env: {
        ...(e.sim ? simEnv(e.sim.url) : {}),
        ...(e.smtp ? { P2S_SMTP_URL: e.smtp.url, P2S_SMTP_STARTTLS: 'off', P2S_SMTP_FROM: FROM } : {}),
        ...env,
      },
    });
    e.owner = await signup(e.srv, { name: 'Owner' });
    e.ws = await createWorkspace(e.owner, WS_NAME);
    e.ownerId = userId(e.srv, e.owner.email);
  } catch (err) {
    await e.stop();
    throw err;
  }
  return e;
}

/** Run fn with a fresh environment; the server's log tail joins a failure. */
async function withEnv(opts, fn) {
  const e = await startEnv(opts);
  try {
    await fn(e);
  } catch (err) {
    const tail = e.srv.logs().split('\n').filter((l) => !l.includes('"msg":"request"')).slice(-15).join('\n');
    err.message += `\n--- server log (last lines, requests left out) ---\n${tail}`;
    throw err;
  } finally {
    await e.stop();
  }
}

/* ---- tests ---- */

describe('emails for a failed post, immediate and in a digest', () => {
  let e, ed, di, vi;

  before(async () => {
    e = await startEnv({ smtp: { auth: 'p2s-mailer:s3cret-pw' }, env: { P2S_SMTP_USER: 'p2s-mailer', P2S_SMTP_PASSWORD: 's3cret-pw', P2S_EMAIL_DIGEST_MINUTES: '1' } });
    ed = await signup(e.srv, { name: 'Ed Editor' });
    di = await signup(e.srv, { name: 'Di Admin' });
    vi = await signup(e.srv, { name: 'Vi Viewer' });
    await addMember(e.owner, e.ws, ed, 'editor');
    await addMember(e.owner, e.ws, di, 'admin');
    await addMember(e.owner, e.ws, vi, 'viewer');
    [ed.id, di.id, vi.id] = [ed, di, vi].map((c) => userId(e.srv, c.email));
    pref(e.srv, ed.id, e.ws, 'target.failed', { email: 1 }); // opted in
    pref(e.srv, e.ownerId, e.ws, 'target.failed', { email: 0 }); // opted out (the author)
    pref(e.srv, e.ownerId, e.ws, 'account.needs_reconnect', { email: 0 });
    pref(e.srv, di.id, e.ws, 'digest', { email: 1 }); // gathers Di's emails
    e.acc = await connectAccount(e.srv, e.owner, e.ws, 'x');
    await revokeX(e.sim);
    const post = await publishNow(e, `Email test ${RUN}`);
    e.post = await settle(e, post.id);
  });

  after(async () => {
    if (e) await e.stop();
  });

  test('the editor who opted in gets "Could not publish on X" with text and HTML parts', async () => {
    assert.equal(e.post.state, 'failed');
    const m = await e.smtp.waitFor((x) => x.rcpt_tos.includes(ed.email) && x.subject === 'Could not publish on X', 20000, 'the failure email');
    assert.equal(m.mail_from, 'notify@p2s.test');
    assert.deepEqual(m.rcpt_tos, [ed.email]);
    assert.equal(m.auth_user, 'p2s-mailer', 'signed in with P2S_SMTP_USER');
    assert.equal(m.headers.From, FROM);
    assert.equal(m.headers.To, ed.email);
    assert.equal(m.headers['MIME-Version'], '1.0');
    assert.match(m.headers['Message-ID'], /^<[^<>\s]+@p2s\.test>$/);
    assert.ok(Math.abs(Date.parse(m.headers.Date) - Date.now()) < 5 * 60000, `Date ${m.headers.Date}`);
    assert.equal(m.headers['Auto-Submitted'], 'auto-generated');
    assert.equal(m.content_type, 'multipart/alternative');
    assert.deepEqual(m.parts.map((p) => [p.content_type, p.charset]), [['text/plain', 'utf-8'], ['text/html', 'utf-8']]);
    assert.match(m.text, /Could not publish on X/);
    assert.match(m.text, new RegExp(`Email test ${RUN}`));
    assert.match(m.text, /Reconnect the account/);
    assert.match(m.text, /\/compose\?post=\d+/);
    assert.match(m.html, /<h2>Could not publish on X<\/h2>/);
    assert.match(m.html, /<a href="[^"]*\/compose\?post=\d+">/);
    const rows = outbox(e.srv, ed.id).filter((r) => r.subject === 'Could not publish on X');
    assert.equal(rows.length, 1);
    assert.ok(rows[0].sent_at > 0, 'marked sent');
    assert.equal(rows[0].attempts, 1);
    assert.equal(rows[0].error, '');
  });

  test('the author who opted out and a viewer get no email; the password is nowhere', async () => {
    await e.smtp.waitFor((x) => x.rcpt_tos.includes(ed.email), 20000);
    const all = e.smtp.messages();
    assert.equal(all.filter((x) => x.rcpt_tos.includes(e.owner.email)).length, 0, 'the owner opted out');
    assert.equal(all.filter((x) => x.rcpt_tos.includes(vi.email)).length, 0, 'a viewer is not told');
    assert.equal(outbox(e.srv, vi.id).length, 0);
    assert.doesNotMatch(e.srv.logs(), /s3cret-pw/);
    assert.doesNotMatch(sql(e.srv, `SELECT COALESCE(error, '') FROM email_outbox`), /s3cret-pw/);
  });

  test('the digest person gets nothing at once, then one email for everything', async () => {
    // Di's emails are queued as digest rows and wait for the gathering time (1 minute here)
    const rows = await until(() => {
      const r = outbox(e.srv, di.id);
      return r.length >= 1 && r;
    }, 10000, 'digest rows for Di');
    assert.ok(rows.every((r) => r.digest === 1 && r.sent_at === 0));
    await new Promise((r) => setTimeout(r, 3000)); // the sender looks every 2 s
    assert.equal(e.smtp.messages().filter((x) => x.rcpt_tos.includes(di.email)).length, 0, 'not before the gathering time');
    assert.ok(outbox(e.srv, di.id).every((r) => r.sent_at === 0 && r.attempts === 0));

    // the gathering time has passed
    sql(e.srv, `UPDATE email_outbox SET created_at = created_at - 61000 WHERE user_id = ${di.id}`);
    const n = outbox(e.srv, di.id).length;
    const want = `${n} ${n === 1 ? 'thing' : 'things'} happened in ${WS_NAME}`;
    const m = await e.smtp.waitFor((x) => x.rcpt_tos.includes(di.email), 15000, 'the digest');
    assert.equal(m.subject, want);
    assert.match(m.raw, /^Subject: =\?UTF-8\?B\?/m, 'the subject is RFC 2047-encoded');
    assert.equal(m.content_type, 'multipart/alternative');
    for (const r of rows) {
      assert.ok(m.text.includes(r.subject), `the digest's text names "${r.subject}"`);
      assert.ok(m.html.includes(`<h3>${r.subject}</h3>`), `the digest's HTML names "${r.subject}"`);
    }
    assert.match(m.text, /Could not publish on X/);
    const after = await until(() => {
      const r = outbox(e.srv, di.id);
      return r.every((x) => x.sent_at > 0) && r;
    }, 5000, 'the digest rows marked sent');
    assert.equal(new Set(after.map((r) => r.sent_at)).size, 1, 'marked sent together');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(e.smtp.messages().filter((x) => x.rcpt_tos.includes(di.email)).length, 1, 'one email');
  });
});

describe('the SMTP server down', () => {
  test('publishing goes on; the email waits with backoff and goes out once the server is back', () =>
    withEnv({}, async (e) => {
      await e.smtp.stop(); // its port now refuses connections
      const ed = await signup(e.srv, { name: 'Ed Editor' });
      await addMember(e.owner, e.ws, ed, 'editor');
      ed.id = userId(e.srv, ed.email);
      pref(e.srv, ed.id, e.ws, 'target.published', { email: 1 });
      e.acc = await connectAccount(e.srv, e.owner, e.ws, 'x');

      const t0 = Date.now();
      const p1 = await settle(e, (await publishNow(e, `Down one ${RUN}`)).id);
      assert.equal(p1.state, 'published', 'publishing does not wait for email');
      const first = await until(() => {
        const r = outbox(e.srv, ed.id)[0];
        return r && r.attempts === 1 && !r.leased && r;
      }, 15000, 'the first attempt');
      assert.equal(first.sent_at, 0);
      assert.equal(first.failed_at, 0);
      assert.notEqual(first.error, '');
      const wait = first.next_attempt_at - Date.now();
      assert.ok(wait > 30000 && wait <= 60500, `retried in about a minute (${wait} ms)`);

      // the next email is not even tried while the server is known to be down
      const p2 = await settle(e, (await publishNow(e, `Down two ${RUN}`)).id);
      assert.equal(p2.state, 'published');
      assert.ok(Date.now() - t0 < 30000, 'both posts published at once');
      await until(() => outbox(e.srv, ed.id).length === 2, 10000, 'the second email queued');
      await new Promise((r) => setTimeout(r, 3000));
      const second = outbox(e.srv, ed.id)[1];
      assert.equal(second.attempts, 0, 'waits behind the first');
      assert.equal(outbox(e.srv, ed.id)[0].attempts, 1, 'the first waits for its retry');

      // the server is back; the first falls due (instead of waiting the minute)
      await e.smtp.start();
      sql(e.srv, `UPDATE email_outbox SET next_attempt_at = ${Date.now()} WHERE id = ${first.id}`);
      await until(() => e.smtp.messages().filter((x) => x.rcpt_tos.includes(ed.email)).length === 2, 15000, 'both emails');
      const subjects = e.smtp.messages().map((x) => x.subject);
      assert.ok(subjects.every((s) => s === 'Published on X'), JSON.stringify(subjects));
      const rows = await until(() => {
        const r = outbox(e.srv, ed.id);
        return r.every((x) => x.sent_at > 0) && r;
      }, 5000, 'both marked sent');
      assert.equal(rows[0].attempts, 2);
      assert.equal(rows[1].attempts, 1);
    }));
});

describe('STARTTLS required but not offered', () => {
  test('nothing is sent in clear; the error says why; it is retried later', () =>
    withEnv({ sim: false, env: { P2S_SMTP_STARTTLS: 'required', P2S_SMTP_USER: 'p2s-mailer', P2S_SMTP_PASSWORD: 'tls-only-pw' } }, async (e) => {
      pref(e.srv, e.ownerId, e.ws, 'invitation.accepted', { email: 1 });
      const m = await signup(e.srv, { name: 'Newcomer' });
      await addMember(e.owner, e.ws, m, 'viewer');
      const row = await until(() => {
        const r = outbox(e.srv, e.ownerId)[0];
        return r && r.attempts === 1 && !r.leased && r;
      }, 15000, 'the attempt');
      assert.match(row.error, /STARTTLS/);
      assert.equal(row.sent_at, 0);
      assert.equal(row.failed_at, 0, 'retried later');
      assert.ok(row.next_attempt_at > Date.now() + 30000);
      assert.equal(e.smtp.messages().length, 0);
      assert.doesNotMatch(e.srv.logs(), /tls-only-pw/);
    }));
});

describe('no SMTP set up', () => {
  test('emails stay queued, and fail a day after they were queued', () =>
    withEnv({ sim: false, smtp: null }, async (e) => {
      pref(e.srv, e.ownerId, e.ws, 'invitation.accepted', { email: 1 });
      const m = await signup(e.srv, { name: 'Newcomer' });
      await addMember(e.owner, e.ws, m, 'viewer');
      await until(() => outbox(e.srv, e.ownerId).length === 1, 10000, 'the email queued');
      await new Promise((r) => setTimeout(r, 2500));
      let row = outbox(e.srv, e.ownerId)[0];
      assert.equal(row.attempts, 0, 'not tried');
      assert.equal(row.failed_at, 0, 'still queued');
      sql(e.srv, `UPDATE email_outbox SET created_at = created_at - ${25 * 3600 * 1000} WHERE id = ${row.id}`);
      row = await until(() => {
        const r = outbox(e.srv, e.ownerId)[0];
        return r.failed_at > 0 && r;
      }, 15000, 'the email to fail');
      assert.equal(row.error, 'email is not set up on this server');
      assert.equal(row.sent_at, 0);
    }));
});

// Fixtures for post tests: connected accounts written straight into the store (the connect
// flows have their own tests), media uploaded through the API, and dates in a zone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ROOT, sql } from './harness.mjs';

const FIX = join(ROOT, 'tests', 'fixtures');

/** A connected account of platform in workspace ws; returns its id. */
export function seedAccount(srv, ws, platform, name, { status = 'active', username = '' } = {}) {
  const now = Date.now();
  const q = (s) => `'${String(s).replaceAll("'", "''")}'`;
  const out = sql(
    srv,
    `INSERT INTO social_accounts (workspace_id, platform, remote_id, kind, name, username, status, status_at, created_at, updated_at) ` +
      `VALUES (${ws}, ${q(platform)}, ${q(randomBytes(6).toString('hex'))}, 'profile', ${q(name)}, ${q(username)}, ${q(status)}, ${now}, ${now}, ${now}) RETURNING id`,
  );
  return Number(out.trim().split('\n').pop());
}

/** Upload a fixture file to the media library; returns the item. */
export async function uploadFixture(client, ws, file, type) {
  const r = await client.call('POST', `/api/v1/workspaces/${ws}/media?name=${encodeURIComponent(file)}`, readFileSync(join(FIX, file)), {
    headers: { 'Content-Type': type },
  });
  if (r.status !== 201 && r.status !== 200) throw new Error(`upload failed: ${r.status} ${r.text}`);
  return r.json.media;
}

/** "YYYY-MM-DD" of the day `days` from today (UTC calendar). */
export function dayFromNow(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

// What the fault tests share: a simulator and a server without a worker, three connected accounts,
// a burst of posts due now, `post2share worker` processes on the same database, and what the
// simulator holds.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, startServer } from './harness.mjs';
import { signup, createWorkspace } from './api.mjs';
import { startSim, simEnv } from './sim.mjs';
import { connectAccount } from './connect.mjs';

/**
 * A simulator with latency (ms, jitter_ms) on every platform, a server (--no-worker), an owner
 * and a workspace.  workerEnv: the workers' extra environment.  Returns { sim, srv, owner, ws,
 * startWorker(), stop() }; startWorker() gives { proc, exited, logs() }.
 */
export async function burstSetup({ latency, workerEnv = {}, name = 'Burst' }) {
  const sim = await startSim();
  await sim.admin('POST', '/_sim/latency', { platform: '*', ...latency });
  const srv = await startServer({ env: simEnv(sim.url), args: ['--no-worker'] });
  const owner = await signup(srv, { name: 'Owner' });
  const ws = await createWorkspace(owner, name);
  const env = { ...process.env, ...simEnv(sim.url), P2S_DATABASE_URL: srv.dbUrl, P2S_PUBLIC_URL: srv.url, ...workerEnv };
  const procs = [];
  return {
    sim,
    srv,
    owner,
    ws,
    startWorker() {
      const proc = spawn(BIN, ['worker', '--data-dir', srv.dataDir, '--db-pool', '4'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      procs.push(proc);
      let err = '';
      proc.stderr.on('data', (d) => (err = (err + d).slice(-20000)));
      const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
      return { proc, exited, logs: () => err };
    },
    async stop() {
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      await srv.stop();
      await sim.stop();
    },
  };
}

/** Connect both simulated Facebook Pages and the LinkedIn member: three accounts. */
export async function threeAccounts(b) {
  const accounts = [
    await connectAccount(b.srv, b.owner, b.ws, 'facebook', { pick: 0 }),
    await connectAccount(b.srv, b.owner, b.ws, 'facebook', { pick: 1 }),
    await connectAccount(b.srv, b.owner, b.ws, 'linkedin'),
  ];
  assert.equal(new Set(accounts.map((a) => a.id)).size, 3);
  return accounts;
}

/** n posts due now, "<prefix> number i" on account i mod 3, through the CSV import. */
export async function importBurst(b, accounts, n, prefix) {
  const rows = ['text,accounts,time'];
  for (let i = 0; i < n; i++) rows.push(`${prefix} number ${i},${accounts[i % accounts.length].id},now`);
  const imp = await b.owner.call('POST', `/api/v1/workspaces/${b.ws}/posts/import`, rows.join('\n'), { headers: { 'Content-Type': 'text/csv' } });
  assert.equal(imp.status, 201, imp.text.slice(0, 500));
  assert.equal(imp.json.created, n);
}

/** How many times the simulator holds each text that starts with prefix (Facebook and LinkedIn). */
export async function onPlatforms(sim, prefix) {
  const seen = new Map();
  for (const platform of ['facebook', 'linkedin']) {
    const r = await sim.admin('GET', `/_sim/posts?platform=${platform}`);
    for (const p of r.items) if (String(p.text).startsWith(`${prefix} `)) seen.set(p.text, (seen.get(p.text) || 0) + 1);
  }
  return seen;
}

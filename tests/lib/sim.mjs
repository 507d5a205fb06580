// Start the platform simulator (build/platform-sim) for tests, and talk to it.
//   const sim = await startSim();  sim.url ...  await sim.stop();
// Environment: P2S_SIM_BIN (default build/platform-sim).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT, sanitizerReport } from './harness.mjs';

export const SIM_BIN = resolve(ROOT, process.env.P2S_SIM_BIN || 'build/platform-sim');

/** Start a simulator on a free port. opts.env: extra environment (SIM_FAULTS, ...). */
export async function startSim(opts = {}) {
  const proc = spawn(SIM_BIN, ['--listen', '127.0.0.1:0', ...(opts.args || [])], {
    env: { ...process.env, ...(opts.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL'); // never leave it running: node --test would not exit
      rej(new Error(`simulator did not start\n${stderr}`));
    }, 10000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      rej(new Error(`simulator exited (${code})\n${stderr}`));
    });
  });
  return {
    url,
    proc,
    logs: () => stderr,
    /** Admin API call: sim.admin('POST', '/_sim/faults', {...}) → parsed JSON (or null). */
    async admin(method, path, body) {
      const r = await fetch(url + path, {
        method,
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      const t = await r.text();
      return t ? JSON.parse(t) : null;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const r = await exited;
      const san = sanitizerReport(stderr);
      if (san) throw new Error(`the simulator's sanitizers reported:\n${san}`);
      return r;
    },
  };
}

/**
 * A raw request to the simulator: { status, headers, text, json }.  Redirects are not
 * followed, so OAuth tests can read Location.
 */
export async function simFetch(sim, method, path, { headers = {}, body, form, json } = {}) {
  const h = { ...headers };
  let payload = body;
  if (form) {
    payload = new URLSearchParams(form).toString();
    h['Content-Type'] = h['Content-Type'] || 'application/x-www-form-urlencoded';
  } else if (json !== undefined) {
    payload = JSON.stringify(json);
    h['Content-Type'] = h['Content-Type'] || 'application/json';
  }
  const r = await fetch(sim.url + path, { method, headers: h, body: payload, redirect: 'manual' });
  const buf = Buffer.from(await r.arrayBuffer());
  const text = buf.toString('utf8');
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: r.status, headers: r.headers, text, json: parsed, bytes: buf };
}

/** The server settings that point every platform at a simulator (as `make run` does). */
export function simEnv(simUrl) {
  return {
    P2S_FACEBOOK_CLIENT_ID: 'p2s-sim-facebook',
    P2S_FACEBOOK_CLIENT_SECRET: 'p2s-sim-facebook-secret',
    P2S_FACEBOOK_AUTH_URL: `${simUrl}/facebook/www`,
    P2S_FACEBOOK_TOKEN_URL: `${simUrl}/facebook/graph`,
    P2S_FACEBOOK_API_URL: `${simUrl}/facebook/graph`,
    P2S_FACEBOOK_UPLOAD_URL: `${simUrl}/facebook/rupload`,
    P2S_INSTAGRAM_CLIENT_ID: 'p2s-sim-instagram',
    P2S_INSTAGRAM_CLIENT_SECRET: 'p2s-sim-instagram-secret',
    P2S_INSTAGRAM_AUTH_URL: `${simUrl}/instagram/www`,
    P2S_INSTAGRAM_TOKEN_URL: `${simUrl}/instagram/api`,
    P2S_INSTAGRAM_API_URL: `${simUrl}/instagram/graph`,
    P2S_LINKEDIN_CLIENT_ID: 'p2s-sim-linkedin',
    P2S_LINKEDIN_CLIENT_SECRET: 'p2s-sim-linkedin-secret',
    P2S_LINKEDIN_AUTH_URL: `${simUrl}/linkedin/www`,
    P2S_LINKEDIN_TOKEN_URL: `${simUrl}/linkedin/www`,
    P2S_LINKEDIN_API_URL: `${simUrl}/linkedin/api`,
    P2S_LINKEDIN_UPLOAD_URL: `${simUrl}/linkedin/www`,
    P2S_GOOGLE_CLIENT_ID: 'p2s-sim-google',
    P2S_GOOGLE_CLIENT_SECRET: 'p2s-sim-google-secret',
    P2S_GOOGLE_AUTH_URL: `${simUrl}/google/accounts`,
    P2S_GOOGLE_TOKEN_URL: `${simUrl}/google/oauth2`,
    P2S_GOOGLE_API_URL: `${simUrl}/google/api`,
    P2S_GOOGLE_UPLOAD_URL: `${simUrl}/google/upload`,
    P2S_X_CLIENT_ID: 'p2s-sim-x',
    P2S_X_CLIENT_SECRET: 'p2s-sim-x-secret',
    P2S_X_AUTH_URL: `${simUrl}/x/www`,
    P2S_X_TOKEN_URL: `${simUrl}/x/api`,
    P2S_X_API_URL: `${simUrl}/x/api`,
    P2S_X_UPLOAD_URL: `${simUrl}/x/api`,
  };
}

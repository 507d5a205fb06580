// An SMTP server for tests: aiosmtpd (Debian's python3-aiosmtpd) run by tests/lib/smtp_sink.py,
// saving every message it receives, decoded by Python's email package.
//   const smtp = await startSmtp();            // or { port, auth: 'user:password' }
//   smtp.url                                   // smtp://127.0.0.1:PORT, for P2S_SMTP_URL
//   smtp.messages()                            // [{mail_from, rcpt_tos, subject, headers, text, html, parts, raw}]
//   await smtp.waitFor((m) => ..., ms)         // the first message matching
//   await smtp.stop(); await smtp.start();     // down and up again on the same port
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

const SINK = join(ROOT, 'tests', 'lib', 'smtp_sink.py');

/** The Python that has aiosmtpd: Debian's /usr/bin/python3 first (a pyenv one on PATH may not). */
export const PYTHON = (() => {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import aiosmtpd'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
})();

/** Start the server; opts.port (0 = any), opts.auth 'user:password' (AUTH required). */
export async function startSmtp(opts = {}) {
  if (!PYTHON) throw new Error('python3-aiosmtpd is not installed (scripts/deps.sh test)');
  const dir = mkdtempSync(join(tmpdir(), 'p2s-smtp-'));
  const s = { dir, port: opts.port || 0, proc: null, stderr: '' };

  s.start = async () => {
    const args = [SINK, '--listen', `127.0.0.1:${s.port}`, '--dir', dir];
    if (opts.auth) args.push('--auth', opts.auth);
    const proc = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    s.proc = proc;
    proc.stderr.on('data', (d) => (s.stderr += d));
    s.exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
    let out = '';
    s.port = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`SMTP sink did not start\n${s.stderr}`)), 15000);
      proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on [^:\s]+:(\d+)/);
        if (m) {
          clearTimeout(timer);
          res(Number(m[1]));
        }
      });
      s.exited.then(({ code }) => {
        clearTimeout(timer);
        rej(new Error(`SMTP sink exited (${code})\n${s.stderr}`));
      });
    });
    s.url = `smtp://127.0.0.1:${s.port}`;
    return s;
  };

  /** Stop the server (the saved messages stay). */
  s.stop = async () => {
    if (s.proc && s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGTERM');
    if (s.exited) await s.exited;
    s.proc = null;
  };

  /** Stop and remove the saved messages. */
  s.close = async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  /** Every message received so far, in arrival order. */
  s.messages = () => {
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
  };

  /** The first message pred accepts, waiting up to ms. */
  s.waitFor = async (pred, ms = 20000, what = 'an email') => {
    const end = Date.now() + ms;
    for (;;) {
      const m = s.messages().find(pred);
      if (m) return m;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(s.messages().map((x) => [x.rcpt_tos, x.subject]))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  await s.start();
  return s;
}

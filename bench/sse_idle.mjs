// Idle live event streams: the server's cost per open stream (run through bench/sse_idle.sh,
// which raises the open-file limit).
//
// Starts the server (default settings: 4 HTTP threads; P2S_MAX_CONNECTIONS raised to twice the
// streams, since libmicrohttpd splits the limit between its threads), signs one person up, then
// opens N streams on raw sockets (in batches; each counts once its "retry:" line is in) and
// reports, from /proc/PID/status, VmRSS and Threads before and with N streams open; then:
//   - one event to all N streams (a post saved in the person's workspace): the time until the
//     last stream has it;
//   - the server's CPU time over 20 idle seconds (heartbeats every P2S_SSE_HEARTBEAT s; 15 by
//     default: about N/15 connections resumed a second), and that every stream got them.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startServer } from '../tests/lib/harness.mjs';
import { signup, createWorkspace } from '../tests/lib/api.mjs';
import { seedAccount } from '../tests/lib/posts.mjs';

const N = Number(process.argv[2] || 10000);
const BATCH = 500;
const IDLE_S = 20;

function status(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [0, 0])[1]);
  return { rssKiB: kb('VmRSS'), threads: kb('Threads') };
}

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100 a second)
}

const mib = (kib) => (kib / 1024).toFixed(1);

const srv = await startServer({
  args: ['--threads', '4', '--no-worker'],
  env: { P2S_MAX_CONNECTIONS: String(2 * N + 100) },
});
const pid = srv.proc.pid;
const streams = [];
try {
  const owner = await signup(srv, { name: 'Bench' });
  const ws = await createWorkspace(owner, 'Bench');
  const acc = seedAccount(srv, ws, 'x', 'Bench on X');
  // warm up: one request of each kind
  await owner.get('/api/v1/me');
  await new Promise((r) => setTimeout(r, 500));
  const before = status(pid);

  const open = () =>
    new Promise((resolve, reject) => {
      const s = { sock: net.connect(srv.port, '127.0.0.1'), text: '', ready: false, pings: 0, got: false, closed: false };
      s.sock.setEncoding('utf8');
      s.sock.on('connect', () =>
        s.sock.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: p2s_session=${owner.cookie}\r\n\r\n`),
      );
      s.sock.on('data', (d) => {
        if (!s.ready) {
          s.text += d;
          if (s.text.includes('retry: ')) {
            s.ready = true;
            s.text = '';
            resolve(s);
          }
          return;
        }
        if (d.includes(': ping')) s.pings++;
        if (d.includes('event: post.state')) {
          s.got = true;
          s.gotAt = performance.now();
        }
      });
      s.sock.on('error', reject);
      s.sock.on('close', () => {
        s.closed = true;
        if (!s.ready) reject(new Error('closed before the stream started'));
      });
    });

  const t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    const batch = [];
    for (let k = i; k < Math.min(N, i + BATCH); k++) batch.push(open());
    streams.push(...(await Promise.all(batch)));
  }
  const openMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 1000));
  const withStreams = status(pid);

  // one event to every stream
  const t1 = performance.now();
  const r = await owner.post(`/api/v1/workspaces/${ws}/posts`, { body: 'Fan-out', targets: [{ account_id: acc }] });
  if (r.status !== 201) throw new Error(`post: ${r.status} ${r.text}`);
  const deadline = Date.now() + 30000;
  while (streams.some((s) => !s.got) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  const got = streams.filter((s) => s.got).length;
  const fanMs = Math.max(...streams.filter((s) => s.got).map((s) => s.gotAt)) - t1;
  const afterEvent = status(pid);

  // idle: heartbeats only
  for (const s of streams) s.pings = 0;
  const c0 = cpuTicks(pid);
  await new Promise((res) => setTimeout(res, IDLE_S * 1000));
  const cpuS = (cpuTicks(pid) - c0) / 100;
  const pinged = streams.filter((s) => s.pings > 0).length;
  const closed = streams.filter((s) => s.closed).length;
  const idle = status(pid);

  console.log(`backend ${srv.backend}, ${N} streams, one person, P2S_THREADS=4`);
  console.log(`opened in ${(openMs / 1000).toFixed(1)} s; ${closed} closed by the server`);
  console.log(`before:            VmRSS ${mib(before.rssKiB)} MiB, Threads ${before.threads}`);
  console.log(`with ${N} streams: VmRSS ${mib(withStreams.rssKiB)} MiB, Threads ${withStreams.threads}  (+${((withStreams.rssKiB - before.rssKiB) / N).toFixed(2)} KiB a stream)`);
  console.log(`one event to all:  ${got}/${N} streams had it after ${fanMs.toFixed(0)} ms; VmRSS ${mib(afterEvent.rssKiB)} MiB`);
  console.log(`idle ${IDLE_S} s:        server CPU ${cpuS.toFixed(2)} s (${((100 * cpuS) / IDLE_S).toFixed(1)} % of a core); ${pinged}/${N} streams got a heartbeat; VmRSS ${mib(idle.rssKiB)} MiB, Threads ${idle.threads}`);
} finally {
  for (const s of streams) s.sock.destroy();
  await srv.stop();
}

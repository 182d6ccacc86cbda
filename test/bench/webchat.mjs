// `npm run bench:webchat` — a benchmark, not a test. Starts the real server (a child process, fresh
// data directory) and a bare fastify route (the ceiling), drives N concurrent conversations against
// each for a fixed time, and prints turns/s, turn latency percentiles, errors and the server's peak RSS.
//
// A web chat turn: POST the merchant's message to Direct Line, then wait on the conversation's
// WebSocket stream for the bot's reply to it (replyToId). A ceiling turn: one POST to the bare route.
//
//   BENCH_CONVERSATIONS (default 20)   BENCH_SECONDS (default 10)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import WebSocket from 'ws';

const ROOT = new URL('../..', import.meta.url).pathname;
const N = Number(process.env.BENCH_CONVERSATIONS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const questions = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/eval/dev.json'), 'utf8')).questions.map((q) => q.q);

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Peak resident set size of a process (Linux: VmHWM), in MB. */
function peakRssMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function startChild(args, env, ready) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  const started = Date.now();
  while (!ready(out)) {
    if (child.exitCode !== null) throw new Error(`child exited: ${args.join(' ')}\n${out}\n${err}`);
    if (Date.now() - started > 60_000) throw new Error('child did not start in 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, out: () => out };
}

async function stop(child) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function webchatConversation(base, deadline, stats) {
  const headers = { 'content-type': 'application/json', origin: base };
  const tokenRes = await fetch(`${base}/api/webchat/token`, { method: 'POST', headers, body: '{}' });
  if (!tokenRes.ok) throw new Error(`token ${tokenRes.status}`);
  const { token } = await tokenRes.json();
  const auth = { ...headers, authorization: `Bearer ${token}` };
  const conv = await (await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers: auth, body: '{}' })).json();
  const ws = new WebSocket(conv.streamUrl);
  const waiting = new Map();
  ws.on('message', (data) => {
    const text = data.toString();
    if (!text) return;
    for (const a of JSON.parse(text).activities ?? []) {
      if (a.from?.role === 'bot' && a.type === 'message' && a.replyToId && waiting.has(a.replyToId)) {
        waiting.get(a.replyToId)();
        waiting.delete(a.replyToId);
      }
    }
  });
  await once(ws, 'open');
  let i = Math.floor(Math.random() * questions.length);
  while (Date.now() < deadline) {
    const text = questions[i++ % questions.length];
    const started = performance.now();
    try {
      const res = await fetch(`${base}/v3/directline/conversations/${conv.conversationId}/activities`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ type: 'message', from: { id: 'bench' }, text, channelData: { clientActivityID: `${Date.now()}-${i}` } }),
      });
      if (!res.ok) throw new Error(`post ${res.status}`);
      const { id } = await res.json();
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error('no reply within 10 s'));
        }, 10_000);
        waiting.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      stats.latencies.push(performance.now() - started);
    } catch (err) {
      stats.errors.push(String(err.message ?? err));
    }
  }
  ws.close();
}

async function bareConversation(base, deadline, stats) {
  let i = 0;
  while (Date.now() < deadline) {
    const started = performance.now();
    try {
      const res = await fetch(`${base}/turn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: questions[i++ % questions.length] }),
      });
      if (!res.ok) throw new Error(`bare ${res.status}`);
      await res.json();
      stats.latencies.push(performance.now() - started);
    } catch (err) {
      stats.errors.push(String(err.message ?? err));
    }
  }
}

async function drive(name, base, conversation, pid) {
  const stats = { latencies: [], errors: [] };
  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(Array.from({ length: N }, () => conversation(base, deadline, stats).catch((e) => stats.errors.push(String(e.message ?? e)))));
  const elapsed = (Date.now() - started) / 1000;
  const sorted = [...stats.latencies].sort((a, b) => a - b);
  return {
    name,
    turns: sorted.length,
    turnsPerSecond: sorted.length / elapsed,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    errors: stats.errors.length,
    firstError: stats.errors[0],
    peakRssMb: peakRssMb(pid),
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'pos-assist-bench-'));
const port = 39_000 + Math.floor(Math.random() * 1000);
const server = await startChild([join(ROOT, 'dist/app/cli.js'), 'serve'], {
  DATA_DIR: dataDir,
  PORT: String(port),
  LOG_LEVEL: 'warn',
  WEBCHAT_TOKENS_PER_MINUTE: '10000',
  WEBCHAT_MESSAGES_PER_MINUTE: '10000',
}, (out) => out.includes('ready'));
const bare = await startChild([join(ROOT, 'test/bench/bare-server.mjs')], {}, (out) => /^\d+\n/.test(out));
const barePort = Number(bare.out().trim());

try {
  console.log(`Web chat benchmark: ${N} concurrent conversations, ${SECONDS} s each, Node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
  const ours = await drive('POS Assist (Direct Line turn)', `http://127.0.0.1:${port}`, webchatConversation, server.child.pid);
  const ceiling = await drive('bare fastify route (ceiling)', `http://127.0.0.1:${barePort}`, bareConversation, bare.child.pid);
  const row = (r) =>
    `${r.name.padEnd(32)} ${r.turnsPerSecond.toFixed(1).padStart(9)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.errors).padStart(7)} ${r.peakRssMb.toFixed(0).padStart(10)}`;
  console.log(`${'target'.padEnd(32)} ${'turns/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)} ${'peak RSS MB'.padStart(10)}`);
  console.log(row(ours));
  console.log(row(ceiling));
  console.log(`\nratio (ours / ceiling): ${((ours.turnsPerSecond / ceiling.turnsPerSecond) * 100).toFixed(1)}% of the bare route's throughput, p50 latency ×${(ours.p50 / ceiling.p50).toFixed(1)}`);
  if (ours.firstError) console.log(`first error (ours): ${ours.firstError}`);
  if (ceiling.firstError) console.log(`first error (ceiling): ${ceiling.firstError}`);
} finally {
  await stop(server.child);
  await stop(bare.child);
  rmSync(dataDir, { recursive: true, force: true });
}

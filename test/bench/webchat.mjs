// `npm run bench:webchat` — a benchmark, not a test. Starts real servers as child processes (fresh data
// directories) and drives concurrent Direct Line conversations against them, then prints one table:
//
//   1. one instance on SQLite (the default) at saturation: N conversations, each posting its next message
//      as soon as the reply to the previous one arrived;
//   2. the same instance at half that load (paced: the turns are sent on a schedule, latency counted from
//      when each turn was due, so a server falling behind shows in the percentiles);
//   3. optionally an older build at saturation, for the before/after (BENCH_BEFORE_ROOT: a checkout of an
//      earlier commit with `npx tsc -p src/tsconfig.json` run in it and node_modules beside it);
//   4. the ceiling: a bare fastify route (test/bench/bare-server.mjs) under autocannon (a load generator
//      that is not the bottleneck), and under this benchmark's own client (what the client can drive);
//   5. 1 vs 3 instances on PostgreSQL + Redis (when both answer; a fresh schema and key prefix, dropped
//      afterwards): each conversation's stream is on one instance and its messages are posted to the next
//      one (with 1 instance, the same), so every reply crosses Redis to reach its stream.
//
// A web chat turn: POST the merchant's message to Direct Line, then wait on the conversation's WebSocket
// stream for the bot's reply to it (replyToId). Offline: no language model.
//
// Knobs (environment):
//   BENCH_CONVERSATIONS (20)           concurrent conversations per run
//   BENCH_SECONDS (10)                 measured seconds per run (after BENCH_WARMUP_SECONDS, default 2)
//   BENCH_HALF_RATE                    turns/s of the paced run (default: half the saturated rate)
//   BENCH_BEFORE_ROOT                  an older build to compare (see 3.)
//   BENCH_CLUSTER (auto)               0: skip the PostgreSQL runs; 1: fail when PostgreSQL/Redis do not answer
//   BENCH_CLUSTER_INSTANCES (3)        instances of the scaled-out run
//   BENCH_DATABASE_URL                 default postgres://postgres@127.0.0.1:5432/test
//   BENCH_REDIS_URL                    default redis://127.0.0.1:6379
//   BENCH_ONLY                         comma-separated subset of: sqlite,half,before,ceiling,cluster
//   BENCH_PROFILE_DIR                  writes a CPU profile of the SQLite instance there (node --cpu-prof)
//   BENCH_CLUSTER_PROFILE_DIR          the same for the PostgreSQL instances
//   BENCH_STDERR                       1: pass the servers' stderr (warnings, errors) through
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import WebSocket from 'ws';

const ROOT = new URL('../..', import.meta.url).pathname;
const N = Number(process.env.BENCH_CONVERSATIONS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
const want = (part) => !ONLY || ONLY.has(part);
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
const CLUSTER_INSTANCES = Number(process.env.BENCH_CLUSTER_INSTANCES ?? 3);
const questions = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/eval/dev.json'), 'utf8')).questions.map((q) => q.q);
const CLK_TCK = 100; // Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

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

/** CPU time a process has used so far (user + system), in ms. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

// ── Child processes ─────────────────────────────────────────────────────────────────────────────────

const children = new Set();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

async function startChild(args, env, ready, what) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  if (process.env.BENCH_STDERR) child.stderr.on('data', (d) => process.stderr.write(d)); // the servers' warnings, live
  const started = Date.now();
  while (!ready(out)) {
    if (child.exitCode !== null) throw new Error(`${what} exited: ${args.join(' ')}\n${out}\n${err}`);
    if (Date.now() - started > 120_000) throw new Error(`${what} did not start in 120 s\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, out: () => out, err: () => err };
}

async function stop(child) {
  if (!child || child.exitCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** `pos-assist serve` from `root` (a build), on a free port; resolves once it says it is ready. */
async function startServer(root, env, { profileDir } = {}) {
  const port = await freePort();
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(os.tmpdir(), 'pos-assist-bench-'));
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const server = await startChild(
    [...nodeArgs, join(root, 'dist/app/cli.js'), 'serve'],
    {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // The benchmark's conversations post far faster than a merchant types (10,000 a minute is the most
      // either setting takes: 166 turns/s per conversation).
      WEBCHAT_TOKENS_PER_MINUTE: '10000',
      WEBCHAT_MESSAGES_PER_MINUTE: '10000',
      ...env,
    },
    (out) => out.includes('ready'),
    `server (${root})`,
  );
  return {
    ...server,
    port,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await stop(server.child);
      if (!env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ── A lean HTTP/1.1 client (one keep-alive socket per conversation) ─────────────────────────────────
// `fetch` costs the load generator several times what the bare route costs the server; on 2 shared cores
// that would measure the client. Requests on one socket are sequential (a conversation waits for its
// reply anyway), so the parser only has to find one response at a time.

class HttpConnection {
  constructor(port) {
    this.port = port;
    this.socket = undefined;
    this.buffer = Buffer.alloc(0);
    this.current = undefined;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.once('connect', () => resolve());
      socket.once('error', (err) => {
        reject(err);
        this.fail(err);
      });
      socket.on('data', (chunk) => this.onData(chunk));
      socket.once('close', () => {
        if (this.socket === socket) this.socket = undefined;
        this.fail(new Error('connection closed'));
      });
      this.socket = socket;
      this.buffer = Buffer.alloc(0);
    });
  }

  fail(err) {
    const current = this.current;
    this.current = undefined;
    current?.reject(err);
  }

  async request(method, path, headers, body) {
    if (!this.socket) await this.connect();
    const payload = body === undefined ? '' : body;
    let head = `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1:${this.port}\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    return new Promise((resolve, reject) => {
      this.current = { resolve, reject };
      this.socket.write(`${head}\r\n${payload}`);
    });
  }

  onData(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0 || !this.current) return;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      this.fail(new Error(`response without content-length (status ${status})`));
      this.socket?.destroy();
      return;
    }
    const total = end + 4 + Number(length[1]);
    if (this.buffer.length < total) return;
    const body = this.buffer.subarray(end + 4, total).toString('utf8');
    this.buffer = this.buffer.subarray(total);
    const current = this.current;
    this.current = undefined;
    current.resolve({ status, body });
  }

  close() {
    this.socket?.destroy();
  }
}

// ── Conversations ───────────────────────────────────────────────────────────────────────────────────

/**
 * Opens a conversation whose stream is on `streamOn` and whose messages go to `postTo` (both bases of
 * instances sharing a database and a Direct Line secret; the same one for a single instance).
 */
async function openConversation(streamOn, postTo) {
  const headers = { 'content-type': 'application/json', origin: streamOn };
  const tokenRes = await fetch(`${streamOn}/api/webchat/token`, { method: 'POST', headers, body: '{}' });
  if (!tokenRes.ok) throw new Error(`token ${tokenRes.status}: ${await tokenRes.text()}`);
  const { token } = await tokenRes.json();
  const convRes = await fetch(`${streamOn}/v3/directline/conversations`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body: '{}' });
  if (!convRes.ok) throw new Error(`conversation ${convRes.status}: ${await convRes.text()}`);
  const conv = await convRes.json();
  const ws = new WebSocket(conv.streamUrl);
  const waiting = new Map();
  const early = new Set();
  ws.on('message', (data) => {
    const text = data.toString();
    if (!text) return;
    for (const a of JSON.parse(text).activities ?? []) {
      if (a.from?.role !== 'bot' || a.type !== 'message' || !a.replyToId) continue;
      const done = waiting.get(a.replyToId);
      if (done) {
        waiting.delete(a.replyToId);
        done();
      } else early.add(a.replyToId); // the reply can overtake the POST's response
    }
  });
  await once(ws, 'open');
  const http = new HttpConnection(Number(new URL(postTo).port));
  const path = `/v3/directline/conversations/${conv.conversationId}/activities`;
  const postHeaders = { 'content-type': 'application/json', origin: postTo, authorization: `Bearer ${token}` };
  let i = Math.floor(Math.random() * questions.length);
  return {
    /** One turn: resolves when the bot's reply to the posted message is on the stream. */
    async turn() {
      const text = questions[i++ % questions.length];
      const body = JSON.stringify({ type: 'message', from: { id: 'bench' }, text, channelData: { clientActivityID: `${Date.now()}-${i}-${Math.random()}` } });
      const res = await http.request('POST', path, postHeaders, body);
      if (res.status !== 200) throw new Error(`post ${res.status}: ${res.body.slice(0, 200)}`);
      const { id } = JSON.parse(res.body);
      if (early.delete(id)) return;
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
    },
    close() {
      http.close();
      ws.close();
    },
  };
}

/** A bare-route "conversation": one POST is one turn (this benchmark's client against the ceiling). */
async function openBare(base) {
  const http = new HttpConnection(Number(new URL(base).port));
  let i = 0;
  return {
    async turn() {
      const res = await http.request('POST', '/turn', { 'content-type': 'application/json' }, JSON.stringify({ text: questions[i++ % questions.length] }));
      if (res.status !== 200) throw new Error(`bare ${res.status}`);
      JSON.parse(res.body);
    },
    close() {
      http.close();
    },
  };
}

/**
 * Drives `conversations` for WARMUP + SECONDS; measures the last SECONDS. `rate` (turns/s over all
 * conversations) paces them; without it each sends its next turn as soon as the previous one is answered.
 * `pids`: the server processes whose CPU time and peak RSS are reported.
 */
async function drive(name, conversations, pids, { rate } = {}) {
  const latencies = [];
  const errors = [];
  const start = performance.now() + 50;
  const measureFrom = start + WARMUP * 1000;
  const end = measureFrom + SECONDS * 1000;
  let cpuBefore;
  let clientCpuBefore;
  let load;
  const measuring = new Promise((resolve) =>
    setTimeout(() => {
      cpuBefore = pids.map(cpuMs);
      clientCpuBefore = process.cpuUsage();
      load = loadavg();
      resolve();
    }, measureFrom - performance.now()),
  );
  const interval = rate ? (conversations.length / rate) * 1000 : 0;
  await Promise.all(
    conversations.map(async (c, k) => {
      // Paced: conversation k's turns are due at start + k·interval/n + j·interval.
      let due = start + (interval * k) / conversations.length;
      for (;;) {
        let now = performance.now();
        if (rate) {
          if (due > now) await new Promise((r) => setTimeout(r, due - now));
          now = performance.now();
        }
        const from = rate ? due : now;
        if (from >= end) break;
        try {
          await c.turn();
          if (from >= measureFrom) latencies.push(performance.now() - from);
        } catch (err) {
          if (from >= measureFrom) errors.push(String(err.message ?? err));
        }
        due += interval;
      }
    }),
  );
  await measuring;
  const elapsed = (performance.now() - measureFrom) / 1000;
  const serverCpu = pids.reduce((sum, pid, i) => sum + (cpuMs(pid) - cpuBefore[i]), 0);
  const client = process.cpuUsage(clientCpuBefore);
  const sorted = latencies.sort((a, b) => a - b);
  return {
    name,
    turns: sorted.length,
    turnsPerSecond: sorted.length / elapsed,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    errors: errors.length,
    firstError: errors[0],
    peakRssMb: pids.map(peakRssMb).reduce((a, b) => Math.max(a, b), 0),
    serverCpuPerTurn: serverCpu / Math.max(1, sorted.length),
    serverCores: serverCpu / 1000 / elapsed,
    clientCpuPerTurn: (client.user + client.system) / 1000 / Math.max(1, sorted.length),
    load,
  };
}

async function runConversations(name, pairs, pids, options) {
  const conversations = await Promise.all(pairs.map(([streamOn, postTo]) => openConversation(streamOn, postTo)));
  try {
    return await drive(name, conversations, pids, options);
  } finally {
    for (const c of conversations) c.close();
  }
}

// ── Ceiling ─────────────────────────────────────────────────────────────────────────────────────────

async function autocannonCeiling(base, pid) {
  const { default: autocannon } = await import('autocannon');
  const run = (duration) =>
    autocannon({
      url: `${base}/turn`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: questions[0] }),
      connections: N,
      duration,
    });
  if (WARMUP > 0) await run(WARMUP);
  const cpuBefore = cpuMs(pid);
  const load = loadavg();
  const r = await run(SECONDS);
  const cpu = cpuMs(pid) - cpuBefore;
  return {
    name: 'bare fastify route, autocannon',
    turns: r.requests.total,
    turnsPerSecond: r.requests.total / r.duration,
    p50: r.latency.p50,
    p95: r.latency.p97_5, // autocannon's nearest percentile
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    peakRssMb: peakRssMb(pid),
    serverCpuPerTurn: cpu / Math.max(1, r.requests.total),
    serverCores: cpu / 1000 / r.duration,
    clientCpuPerTurn: NaN,
    load,
    note: 'p95 column: autocannon p97.5; its latencies are whole ms',
  };
}

// ── PostgreSQL + Redis ──────────────────────────────────────────────────────────────────────────────

async function clusterAvailable() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    return `PostgreSQL at ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} does not answer (${err.message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    return `Redis at ${REDIS_URL} does not answer (${err.message})`;
  } finally {
    redis.disconnect();
  }
  return undefined;
}

async function withPg(fn) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** `count` instances on a fresh schema and key prefix; the conversations' streams and posts spread over them. */
async function clusterRun(count) {
  const schema = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const prefix = `pos-assist-bench:${process.pid}-${randomBytes(4).toString('hex')}:`;
  await withPg((c) => c.query(`create schema ${schema}`));
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'pos-assist-bench-cluster-'));
  const env = {
    DATABASE_URL: url.toString(),
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    DIRECTLINE_SECRET: randomBytes(24).toString('hex'),
    // Shared, as in a deployment (uploads); the first instance builds the knowledge index there.
    DATA_DIR: dataDir,
  };
  const servers = [];
  try {
    // One at a time: the first migrates the schema and builds the index the others then open.
    const profileDir = process.env.BENCH_CLUSTER_PROFILE_DIR;
    for (let i = 0; i < count; i++) servers.push(await startServer(ROOT, env, { profileDir }));
    const pairs = Array.from({ length: N }, (_, k) => [servers[k % count].base, servers[(k + 1) % count].base]);
    const name = count === 1 ? '1 instance, PostgreSQL + Redis' : `${count} instances, PostgreSQL + Redis`;
    return await runConversations(name, pairs, servers.map((s) => s.child.pid));
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dataDir, { recursive: true, force: true });
    await withPg((c) => c.query(`drop schema if exists ${schema} cascade`)).catch((err) => console.error(`could not drop schema ${schema}: ${err.message}`));
    await dropRedisPrefix(prefix).catch((err) => console.error(`could not remove the Redis keys ${prefix}*: ${err.message}`));
  }
}

async function dropRedisPrefix(prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

// ── Report ──────────────────────────────────────────────────────────────────────────────────────────

const fmt = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '—');
function table(title, rows) {
  console.log(`\n${title}`);
  const head = ['target', 'turns/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'peak RSS MB', 'server CPU ms/turn', 'server cores', 'load avg (1 5 15)'];
  const widths = [46, 9, 8, 8, 8, 7, 12, 19, 13, 18];
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' ');
  console.log(line(head));
  for (const r of rows) {
    console.log(line([r.name, fmt(r.turnsPerSecond), fmt(r.p50), fmt(r.p95), fmt(r.p99), r.errors, fmt(r.peakRssMb, 0), fmt(r.serverCpuPerTurn, 2), fmt(r.serverCores, 2), r.load]));
  }
  for (const r of rows) {
    if (r.firstError) console.log(`  first error (${r.name}): ${r.firstError}`);
    if (r.note) console.log(`  ${r.name}: ${r.note}`);
  }
}

console.log(
  `Web chat benchmark: ${N} concurrent conversations, ${SECONDS} s measured after ${WARMUP} s of warm-up per run, Node ${process.version}, ${os.cpus().length} cores, load average ${loadavg()}`,
);

const single = [];
const ceiling = [];
const cluster = [];
let saturated;

if (want('sqlite') || want('half')) {
  const server = await startServer(ROOT, {}, { profileDir: process.env.BENCH_PROFILE_DIR });
  try {
    const pairs = Array.from({ length: N }, () => [server.base, server.base]);
    if (want('sqlite')) {
      saturated = await runConversations('1 instance, SQLite — saturated', pairs, [server.child.pid]);
      single.push(saturated);
    }
    if (want('half')) {
      const rate = Number(process.env.BENCH_HALF_RATE ?? 0) || (saturated ? saturated.turnsPerSecond / 2 : 100);
      single.push(await runConversations(`1 instance, SQLite — paced at ${rate.toFixed(0)} turns/s`, pairs, [server.child.pid], { rate }));
    }
  } finally {
    await server.close();
  }
}

if (want('before') && process.env.BENCH_BEFORE_ROOT) {
  const server = await startServer(process.env.BENCH_BEFORE_ROOT, {});
  try {
    const pairs = Array.from({ length: N }, () => [server.base, server.base]);
    const before = await runConversations('before (BENCH_BEFORE_ROOT), SQLite — saturated', pairs, [server.child.pid]);
    single.push(before);
    if (want('half')) {
      const rate = Number(process.env.BENCH_HALF_RATE ?? 0) || before.turnsPerSecond / 2;
      single.push(await runConversations(`before, SQLite — paced at ${rate.toFixed(0)} turns/s`, pairs, [server.child.pid], { rate }));
    }
  } finally {
    await server.close();
  }
}

if (want('ceiling')) {
  const bare = await startChild([join(ROOT, 'test/bench/bare-server.mjs')], {}, (out) => /^\d+\n/.test(out), 'bare server');
  try {
    const base = `http://127.0.0.1:${Number(bare.out().trim())}`;
    ceiling.push(await autocannonCeiling(base, bare.child.pid));
    const conversations = await Promise.all(Array.from({ length: N }, () => openBare(base)));
    const own = await drive('bare fastify route, this benchmark\'s client', conversations, [bare.child.pid]);
    for (const c of conversations) c.close();
    ceiling.push(own);
  } finally {
    await stop(bare.child);
  }
}

if (want('cluster') && process.env.BENCH_CLUSTER !== '0') {
  const unavailable = await clusterAvailable();
  if (unavailable) {
    if (process.env.BENCH_CLUSTER === '1') throw new Error(unavailable);
    console.log(`\n(PostgreSQL + Redis runs skipped: ${unavailable})`);
  } else {
    cluster.push(await clusterRun(1));
    cluster.push(await clusterRun(CLUSTER_INSTANCES));
  }
}

if (single.length) table('One instance, SQLite (Direct Line over WebSocket, offline):', single);
if (ceiling.length) table('Ceiling (the same machine, the same run):', ceiling);
if (cluster.length) table(`PostgreSQL + Redis, each stream on one instance and its posts to the next (${N} conversations):`, cluster);
if (saturated && ceiling[0]) {
  console.log(`\nSQLite instance / bare route (autocannon): ${((saturated.turnsPerSecond / ceiling[0].turnsPerSecond) * 100).toFixed(1)}% of the throughput`);
}
console.log(`\nload average at the end: ${loadavg()}. server CPU ms/turn = the servers' user+system CPU time over the measured seconds / turns (less sensitive to what else runs than turns/s); server cores = that CPU time / seconds.`);

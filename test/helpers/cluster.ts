/**
 * A deployment of real instances for the cluster suite (test/scale-cluster): each instance is a child
 * process (`test/scale-cluster/instance.mjs`, the built server) so that `kill -9` is a real crash; they
 * share one PostgreSQL schema (reached through a TCP proxy the test can cut), one Redis (a private
 * `redis-server` the test can kill and restart), one data directory and one Direct Line secret.
 *
 * Also here: the proxy, a back-office receiver that can fail deliveries, and the small Direct Line client
 * the suite drives the instances with (the web chat helpers' functions, on a child's URL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createServer, connect, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestServer } from '../webchat/helpers.js';
import { verifySignature } from '../../src/requests/index.js';
import { freePort } from './redis.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const INSTANCE = join(ROOT, 'test/scale-cluster/instance.mjs');

/** Children still running when the test process exits (a failed or interrupted run) are killed. */
const living = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});

export interface Instance {
  name: string;
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/v3/directline` */
  dl: string;
  child: ChildProcess;
  /** What the child wrote (stdout and stderr): its warnings and errors, for failure messages. */
  output(): string;
  /** Whether the process has ended (killed or exited). */
  readonly dead: boolean;
}

/** The web chat helpers take a TestServer; they use only its URLs. */
export function asServer(instance: Instance): TestServer {
  return { url: instance.url, dl: instance.dl } as TestServer;
}

export class Cluster {
  readonly instances: Instance[] = [];

  /**
   * `env`: what every instance shares; `serverOptions`: the timings tests shorten (instance.mjs passes
   * them to `startServer`).
   */
  constructor(
    private readonly env: Record<string, string>,
    private readonly serverOptions: Record<string, unknown>,
  ) {}

  /** Starts an instance (env added to the shared one) and resolves once it answers. */
  async start(name: string, env: Record<string, string> = {}, startTimeoutMs = 60_000): Promise<Instance> {
    const port = await freePort();
    const child = spawn(process.execPath, [INSTANCE], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...this.env,
        ...env,
        HOST: '127.0.0.1',
        PORT: String(port),
        CLUSTER_SERVER_OPTIONS: JSON.stringify(this.serverOptions),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    living.add(child);
    let out = '';
    let dead = false;
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', () => {
      dead = true;
      living.delete(child);
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`instance ${name} did not start within ${startTimeoutMs} ms:\n${out}`));
      }, startTimeoutMs);
      const onData = () => {
        const m = /^READY (\S+)$/m.exec(out);
        if (!m) return;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`instance ${name} exited (${code ?? signal}) before it was ready:\n${out}`));
      });
    });
    const instance: Instance = {
      name,
      url,
      dl: `${url}/v3/directline`,
      child,
      output: () => out,
      get dead() {
        return dead;
      },
    };
    this.instances.push(instance);
    return instance;
  }

  /** `kill -9`: the process ends at once, in the middle of whatever it was doing. */
  async kill9(instance: Instance): Promise<void> {
    await this.#end(instance, 'SIGKILL');
  }

  /** SIGTERM: a graceful shutdown. */
  async stop(instance: Instance): Promise<void> {
    await this.#end(instance, 'SIGTERM');
  }

  /** Ends every instance still running (SIGKILL: cleanups must not wait on a stuck shutdown). */
  async closeAll(): Promise<void> {
    await Promise.all(this.instances.map((i) => this.#end(i, 'SIGKILL')));
  }

  async #end(instance: Instance, signal: NodeJS.Signals): Promise<void> {
    const { child } = instance;
    if (instance.dead || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

// ── A TCP proxy the test can cut ─────────────────────────────────────────────────────────────────────

/**
 * Forwards 127.0.0.1:`port` to the target (PostgreSQL). `cut()` is an outage as the instances see it:
 * every open connection is destroyed and new ones are refused (nothing listens); `restore()` listens on
 * the same port again.
 */
export class TcpProxy {
  private server: NetServer | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), target);
    await proxy.restore();
    return proxy;
  }

  get cutOff(): boolean {
    return this.server === undefined;
  }

  async restore(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      this.sockets.add(client);
      this.sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.cut();
  }
}

// ── The back office ──────────────────────────────────────────────────────────────────────────────────

export interface Delivery {
  key: string;
  status: number;
  kind: string;
}

/**
 * A back-office webhook on 127.0.0.1 that checks every signature, stores each idempotency key once (as a
 * real back office must: a retry whose first answer was lost is a repeat) and fails what the test says:
 * every attempt while `failing`, and the first `failFirst` attempts of each key.
 */
export class Receiver {
  readonly deliveries: Delivery[] = [];
  readonly stored = new Map<string, Record<string, any>>();
  badSignatures = 0;
  failing = false;
  failFirst = 0;
  url = '';
  private server!: http.Server;

  private constructor(private readonly secret: string) {}

  static async start(secret: string): Promise<Receiver> {
    const receiver = new Receiver(secret);
    receiver.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => receiver.handle(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hooks/pos-assist`;
    return receiver;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    if (!verifySignature(this.secret, body, req.headers['x-posassist-signature'] as string, req.headers['x-posassist-timestamp'] as string)) {
      this.badSignatures++;
      res.writeHead(401).end();
      return;
    }
    const key = String(req.headers['idempotency-key']);
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, any>;
    const attempt = this.deliveries.filter((d) => d.key === key).length + 1;
    const status = this.failing || attempt <= this.failFirst ? 500 : 200;
    this.deliveries.push({ key, status, kind: String(parsed.type) });
    if (status !== 200) {
      res.writeHead(status).end('back office down');
      return;
    }
    if (!this.stored.has(key)) this.stored.set(key, parsed);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  }

  /** The attempts of one key, or of all. */
  attempts(key?: string): Delivery[] {
    return key === undefined ? this.deliveries : this.deliveries.filter((d) => d.key === key);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

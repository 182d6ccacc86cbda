/**
 * Reads a photo of a sales slip (签购单) offline: OCR in a worker thread (ocr-worker.ts), fields by
 * slip-fields.ts, and — when the photo shows a full card number — a copy of the photo with it blacked out.
 *
 * ```ts
 * const reader = new SlipReader();            // one per process: the model loads on the first read
 * const slip = await reader.read(photoBytes); // PNG or JPEG
 * slip.fields.voucher_no;                     // '000456'
 * store(slip.redacted ?? photoBytes);         // never a full card number in a file
 * await reader.close();
 * ```
 *
 * Limits, so that photos cannot take the server down: reads run `concurrency` at a time (default 1: one
 * read already uses both cores), at most `maxQueue` wait (more are refused at once with
 * `SLIP_QUEUE_FULL`), and each has `timeoutMs` from its start (`SLIP_READ_TIMEOUT`). A read that times
 * out retires its worker — onnxruntime cannot be interrupted, so the thread ends when that read does — and
 * the next read starts a new one (and loads the models again, ~0.4 s). The worker does not keep the
 * process alive while it has nothing to do; a reader closed while its worker is idle hands it, models
 * loaded, to the next reader made in the process.
 *
 * Errors are `SlipReadError`s with a `code`; none carries card data (the worker reports only its stage and
 * the library's message; the image bytes never appear in one).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { OCR_WORKER_SOURCE, type OcrRequest, type OcrResponse, type OcrWorkerData, type OcrWorkerLine } from './ocr-worker.js';
import { parseSlipFields, type OcrLine, type Point, type SlipField, type SlipFields } from './slip-fields.js';

// ── Errors ──────────────────────────────────────────────────────────────────────────────────────────

export const SLIP_ERRORS = {
  SLIP_IMAGE_INVALID: 'The file is not a readable PNG or JPEG image',
  SLIP_IMAGE_TOO_LARGE: 'The image is too large to read',
  SLIP_QUEUE_FULL: 'Too many slips are being read; try again shortly',
  SLIP_READ_TIMEOUT: 'Reading the slip took too long',
  SLIP_OCR_UNAVAILABLE: 'The OCR models could not be loaded',
  SLIP_OCR_FAILED: 'The OCR failed on this image',
  SLIP_READER_CLOSED: 'The slip reader is closed',
} as const;

export type SlipErrorCode = keyof typeof SLIP_ERRORS;

export class SlipReadError extends Error {
  constructor(
    readonly code: SlipErrorCode,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    super(detail ? `${SLIP_ERRORS[code]}: ${detail}` : SLIP_ERRORS[code], options);
    this.name = 'SlipReadError';
  }
}

export function isSlipReadError(err: unknown, code?: SlipErrorCode): err is SlipReadError {
  return err instanceof SlipReadError && (code === undefined || err.code === code);
}

// ── Types ───────────────────────────────────────────────────────────────────────────────────────────

export interface SlipReaderOptions {
  /** Longest a read may take once started, model load included (ms). Default 20 000. */
  timeoutMs?: number;
  /** Reads in the worker at once. Default 1. */
  concurrency?: number;
  /** Reads waiting their turn; more are refused with SLIP_QUEUE_FULL. Default 16. */
  maxQueue?: number;
  /** Largest image accepted, in bytes. Default 20 MiB. */
  maxBytes?: number;
  /** The OCR sees the image with its longest side at most this (pixels). Default 1600. */
  maxSide?: number;
  /** onnxruntime threads per read; default: onnxruntime's own (one per core). */
  threads?: number;
  /** Remembers what the OCR saw in an image it read before (see `OcrCache`); default: none. */
  ocrCache?: OcrCache;
}

/** What the OCR saw in one image: its lines (boxes in the photo's pixels) and the photo's size. */
export interface OcrOutput {
  lines: OcrWorkerLine[];
  width: number;
  height: number;
}

/**
 * What the OCR saw, kept by a key the reader makes from the image's bytes and how it reads them
 * (`maxSide`). The OCR is the whole cost of a read (~0.5–2 s of CPU) and gives the same lines for the same
 * bytes, so an image read before skips the worker; its fields are still parsed, and a full card number
 * still blacked out, from those lines. The cache must also key what else the lines depend on (the models,
 * the worker's code): the conversation evaluation's disk cache does (test/helpers/ocr-cache.ts). Lines
 * that show a full card number or an expiry date are never handed to the cache.
 */
export interface OcrCache {
  get(key: string): OcrOutput | undefined | Promise<OcrOutput | undefined>;
  set(key: string, output: OcrOutput): void | Promise<void>;
}

export interface SlipReadResult {
  fields: SlipFields;
  /** Per field read, 0–1. */
  confidence: Partial<Record<SlipField, number>>;
  /** What the OCR saw, with any full card number masked and the expiry date hidden; boxes in the photo's pixels. */
  lines: OcrLine[];
  /** Whether the photo shows a full (unmasked) card number. */
  hadFullPan: boolean;
  /**
   * The photo with the full card number (and any printed expiry date) blacked out, same format, without
   * its metadata. Present only when something was blacked out: store this instead of the original then.
   * Only what the OCR saw can be blacked out: a card number it could not make out at all stays, and a
   * photo whose read failed has not been looked at.
   */
  redacted?: Buffer;
  /** Width and height of the photo as shown (EXIF orientation applied). */
  size: { width: number; height: number };
  timing: {
    /** Waiting for a turn. */
    queuedMs: number;
    /** In the worker (the model load included, on the first read). */
    ocrMs: number;
    /** The model load, on the read that did it. */
    loadMs?: number;
    totalMs: number;
  };
}

// ── Images ──────────────────────────────────────────────────────────────────────────────────────────

type ImageKind = 'png' | 'jpeg';

function imageKind(bytes: Uint8Array): ImageKind | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** A box grown by `pad` pixels on every side, along its own axes (it may be tilted). */
function grow(box: Point[], pad: number): Point[] {
  if (box.length !== 4) return box;
  const [p0, p1, , p3] = box as [Point, Point, Point, Point];
  const cx = box.reduce((s, p) => s + p[0], 0) / 4;
  const cy = box.reduce((s, p) => s + p[1], 0) / 4;
  const ux = p1[0] - p0[0];
  const uy = p1[1] - p0[1];
  const vx = p3[0] - p0[0];
  const vy = p3[1] - p0[1];
  const lu = Math.hypot(ux, uy) || 1;
  const lv = Math.hypot(vx, vy) || 1;
  const hu = lu / 2 + pad;
  const hv = lv / 2 + pad;
  const [ax, ay, bx, by] = [ux / lu, uy / lu, vx / lv, vy / lv];
  return [
    [cx - ax * hu - bx * hv, cy - ay * hu - by * hv],
    [cx + ax * hu - bx * hv, cy + ay * hu - by * hv],
    [cx + ax * hu + bx * hv, cy + ay * hu + by * hv],
    [cx - ax * hu + bx * hv, cy - ay * hu + by * hv],
  ];
}

/**
 * The image with each box painted solid black (a margin of a third of the box's height around it), EXIF
 * orientation applied, metadata dropped, in the same format (PNG or JPEG).
 *
 * Why: a merchant may photograph a slip that prints the whole card number (old terminals, the cardholder's
 * copy). The card-data rule (README, "Card data and privacy") forbids keeping a full card number anywhere, and a photo is a file like any other: the
 * request must keep only this copy. Black paint, not a blur: a blurred number can often be read back.
 */
export async function redactImage(image: Uint8Array, boxes: Point[][]): Promise<Buffer> {
  const kind = imageKind(image);
  if (!kind) throw new SlipReadError('SLIP_IMAGE_INVALID');
  const oriented = await sharp(image).rotate().toBuffer({ resolveWithObject: true });
  const { width, height } = oriented.info;
  const polygons = boxes
    .filter((b) => b.length >= 3)
    .map((b) => {
      const h = b.length === 4 ? Math.hypot(b[3]![0] - b[0]![0], b[3]![1] - b[0]![1]) : 10;
      return grow(b, Math.max(3, h / 3))
        .map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`)
        .join(' ');
    });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    polygons.map((p) => `<polygon points="${p}" fill="#000"/>`).join('') +
    `</svg>`;
  const painted = sharp(oriented.data).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  return kind === 'png' ? painted.png().toBuffer() : painted.jpeg({ quality: 90 }).toBuffer();
}

// ── The worker ──────────────────────────────────────────────────────────────────────────────────────

type OcrResult = Extract<OcrResponse, { type: 'result' }>;

interface Pending {
  resolve: (response: OcrResult) => void;
  reject: (err: SlipReadError) => void;
}

/** One worker thread and the reads it has in hand. */
class OcrWorker {
  readonly pending = new Map<number, Pending>();
  private readonly worker: Worker;
  private nextId = 1;
  private dead = false;
  /** Reads posted to the thread and not answered yet, waited for or not. */
  private inFlight = 0;
  /** Stopped while a read ran: the thread ends once it answers. */
  private retiring = false;
  /** Told when the thread dies: the reader using it (or the spare slot) lets go of it. */
  onDeath: (w: OcrWorker) => void;

  constructor(
    readonly threads: number | undefined,
    onDeath: (w: OcrWorker) => void,
  ) {
    this.onDeath = onDeath;
    this.worker = new Worker(OCR_WORKER_SOURCE, { eval: true, workerData: { ...moduleUrls(), threads } satisfies OcrWorkerData });
    this.worker.unref();
    this.worker.on('message', (msg: OcrResponse) => {
      this.inFlight--;
      if (this.retiring && this.inFlight === 0) void this.worker.terminate();
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.settled(msg.id);
      if (msg.type === 'result') p.resolve(msg);
      else if (msg.stage === 'load') p.reject(new SlipReadError('SLIP_OCR_UNAVAILABLE', msg.message));
      else if (msg.stage === 'image') p.reject(new SlipReadError('SLIP_IMAGE_INVALID', msg.message));
      else p.reject(new SlipReadError('SLIP_OCR_FAILED', msg.message));
    });
    const die = (why: string, cause?: unknown): void => {
      if (this.dead) return;
      this.dead = true;
      this.onDeath(this);
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new SlipReadError('SLIP_OCR_FAILED', why, { cause }));
      }
    };
    this.worker.on('error', (err) => die('the OCR worker failed', err));
    this.worker.on('exit', (code) => die(`the OCR worker stopped (exit code ${code})`));
  }

  read(image: Uint8Array, maxSide: number): { id: number; done: Promise<OcrResult> } {
    const id = this.nextId++;
    const done = new Promise<OcrResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    // A copy of the caller's bytes, moved (not copied again) to the worker.
    const copy = new Uint8Array(image);
    const request: OcrRequest = { type: 'read', id, image: copy, maxSide };
    this.worker.ref();
    this.inFlight++;
    this.worker.postMessage(request, [copy.buffer]);
    return { id, done };
  }

  /** A read that will not be waited for (its time ran out). */
  settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  get alive(): boolean {
    return !this.dead;
  }

  /**
   * Stops the thread; reads in hand fail with `err` at once. A thread inside a read is not terminated
   * there: onnxruntime cannot be interrupted, and terminating the thread in the middle of a model run
   * aborts the whole process (its binding throws a C++ exception into the stopping thread). It finishes
   * that read unheard, unref'd, and ends when it answers.
   */
  async stop(err: SlipReadError): Promise<void> {
    this.dead = true;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(err);
    }
    if (this.inFlight === 0) {
      await this.worker.terminate();
      return;
    }
    this.retiring = true;
    this.worker.unref();
  }
}

/**
 * A worker whose reader closed while it was idle, its models still loaded, kept for the next reader of the
 * same settings: a process that makes a new reader (a runtime rebuilt, or one per test over a run) then
 * skips the worker's start and the ~0.5 s model load. At most one; its thread is unref'd, so it never keeps
 * the process alive.
 */
let spare: OcrWorker | undefined;

function takeSpare(threads: number | undefined, onDeath: (w: OcrWorker) => void): OcrWorker | undefined {
  const worker = spare;
  if (!worker || !worker.alive || worker.threads !== threads) return undefined;
  spare = undefined;
  worker.onDeath = onDeath;
  return worker;
}

function keepSpare(worker: OcrWorker): boolean {
  if (!worker.alive || worker.pending.size > 0 || spare?.alive) return false;
  spare = worker;
  worker.onDeath = (w) => {
    if (spare === w) spare = undefined;
  };
  return true;
}

function moduleUrls(): Omit<OcrWorkerData, 'threads'> {
  const require = createRequire(import.meta.url);
  const ocrNode = require.resolve('@gutenye/ocr-node');
  const ocrCommon = createRequire(ocrNode).resolve('@gutenye/ocr-common');
  return {
    sharpUrl: pathToFileURL(require.resolve('sharp')).href,
    ocrNodeUrl: pathToFileURL(ocrNode).href,
    ocrModelsUrl: pathToFileURL(join(dirname(ocrCommon), 'models', 'index.js')).href,
  };
}

// ── The reader ──────────────────────────────────────────────────────────────────────────────────────

export class SlipReader {
  private readonly timeoutMs: number;
  private readonly maxQueue: number;
  private readonly maxBytes: number;
  private readonly maxSide: number;
  private readonly threads: number | undefined;
  private readonly queue: PQueue;
  /** Reads waiting in the queue, to refuse them on close (p-queue's clear() would leave them hanging). */
  private readonly waiting = new Set<(err: SlipReadError) => void>();
  private readonly ocrCache: OcrCache | undefined;
  private worker: OcrWorker | undefined;
  private closed = false;

  constructor(options: SlipReaderOptions = {}) {
    this.ocrCache = options.ocrCache;
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.maxQueue = options.maxQueue ?? 16;
    this.maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
    this.maxSide = options.maxSide ?? 1600;
    this.threads = options.threads;
    this.queue = new PQueue({ concurrency: Math.max(1, options.concurrency ?? 1) });
  }

  /** Reads waiting for a turn, and reads running. */
  get load(): { waiting: number; running: number } {
    return { waiting: this.queue.size, running: this.queue.pending };
  }

  /** Reads the slip on a PNG or JPEG photo. Rejects with a `SlipReadError`. */
  async read(image: Uint8Array): Promise<SlipReadResult> {
    if (this.closed) throw new SlipReadError('SLIP_READER_CLOSED');
    if (!(image instanceof Uint8Array) || !imageKind(image)) throw new SlipReadError('SLIP_IMAGE_INVALID');
    if (image.length > this.maxBytes) throw new SlipReadError('SLIP_IMAGE_TOO_LARGE', `${image.length} bytes, at most ${this.maxBytes}`);
    if (this.queue.size >= this.maxQueue) throw new SlipReadError('SLIP_QUEUE_FULL');

    const queuedAt = performance.now();
    let startedAt = queuedAt;
    const cacheKey = this.ocrCache ? `${createHash('sha256').update(image).digest('hex')}:${this.maxSide}` : undefined;
    const cached = cacheKey ? await this.ocrCache!.get(cacheKey) : undefined;
    const ocr = cached ? { ...cached, loadMs: undefined, ms: 0 } : await this.queued(image, () => (startedAt = performance.now()));
    const queuedMs = startedAt - queuedAt;

    const parsed = parseSlipFields(ocr.lines);
    // Lines that show a full card number (or an expiry date) are never kept: they would put it in the cache.
    if (cacheKey && !cached && parsed.sensitive.length === 0) {
      try {
        await this.ocrCache!.set(cacheKey, { lines: ocr.lines, width: ocr.width, height: ocr.height });
      } catch {
        // Not kept: the next read of this image runs the OCR again.
      }
    }
    let redacted: Buffer | undefined;
    if (parsed.sensitive.length > 0) {
      const boxes = parsed.sensitive.flatMap((s) => s.lines.map((i) => ocr.lines[i]!.box));
      redacted = await redactImage(image, boxes);
    }
    const totalMs = performance.now() - queuedAt;
    return {
      fields: parsed.fields,
      confidence: parsed.confidence,
      lines: parsed.lines,
      hadFullPan: parsed.hadFullPan,
      ...(redacted ? { redacted } : {}),
      size: { width: ocr.width, height: ocr.height },
      timing: {
        queuedMs: Math.round(queuedMs),
        ocrMs: Math.round(ocr.ms),
        ...(ocr.loadMs !== undefined ? { loadMs: Math.round(ocr.loadMs) } : {}),
        totalMs: Math.round(totalMs),
      },
    };
  }

  /** A read in the worker once it is this read's turn; `onStart` hears when that is. */
  private queued(image: Uint8Array, onStart: () => void): Promise<OcrResult> {
    return new Promise<OcrResult>((resolve, reject) => {
      const refuse = (err: SlipReadError): void => reject(err);
      this.waiting.add(refuse);
      this.queue
        .add(async () => {
          this.waiting.delete(refuse);
          onStart();
          if (this.closed) throw new SlipReadError('SLIP_READER_CLOSED');
          return this.run(image);
        })
        .then((r) => resolve(r as OcrResult), reject);
    });
  }

  /** One read in the worker, within the time limit. */
  private async run(image: Uint8Array): Promise<OcrResult> {
    const onDeath = (w: OcrWorker): void => {
      if (this.worker === w) this.worker = undefined;
    };
    const worker = (this.worker ??= takeSpare(this.threads, onDeath) ?? new OcrWorker(this.threads, onDeath));
    const { id, done } = worker.read(image, this.maxSide);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        worker.settled(id);
        // Later reads go to a new thread; this one stops as soon as the read it is in ends (OcrWorker.stop).
        if (this.worker === worker) this.worker = undefined;
        void worker.stop(new SlipReadError('SLIP_OCR_FAILED', 'the OCR worker was stopped after another read timed out'));
        reject(new SlipReadError('SLIP_READ_TIMEOUT', `after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Refuses reads still waiting, stops the worker (reads running fail with SLIP_READER_CLOSED). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new SlipReadError('SLIP_READER_CLOSED');
    for (const refuse of this.waiting) refuse(err);
    this.waiting.clear();
    this.queue.clear();
    const worker = this.worker;
    this.worker = undefined;
    // An idle worker goes on to the next reader; one with a read in hand stops, failing that read.
    if (worker && !keepSpare(worker)) await worker.stop(err);
  }
}

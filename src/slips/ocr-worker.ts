/**
 * The OCR worker: PaddleOCR (PP-OCRv4 Chinese detection + recognition, in ONNX) through
 * `@gutenye/ocr-node`, in a worker thread so that a read (1–2.5 s of CPU) never blocks the event loop.
 *
 * The worker's code is the JavaScript string below, started with `new Worker(source, { eval: true })`:
 * the same source then runs from the built `dist/` and from vitest's TypeScript, with no separate build
 * step for a worker file. It loads the models on its first message (one load per worker; the reader keeps
 * one worker per process) and answers one message per read.
 *
 * Two things it does differently from `Ocr.detect`:
 * - It prepares the image first: EXIF orientation applied, transparency on white, the longest side at most
 *   `maxSide` (a 12-megapixel phone photo would take many seconds and gigabytes at full size), and the
 *   sides padded to multiples of 32 with white — the size the detector works at — so that the boxes it
 *   returns are in this image's coordinates (the library letterboxes otherwise), then scaled back to the
 *   photo's.
 * - It returns every detected box with its own text, not the library's rows: the library joins boxes
 *   whose midlines are close, which on a photo taken at an angle pairs a label with the next row's value.
 *   slip-fields.ts groups rows after de-skewing. `Detection` and `Recognition` are not exported by the
 *   package, so they are imported from its build folder (pinned versions; a test reads real slips).
 */

/** Main thread → worker. */
export interface OcrRequest {
  type: 'read';
  id: number;
  image: Uint8Array;
  maxSide: number;
}

export interface OcrWorkerLine {
  text: string;
  mean: number;
  box: Array<[number, number]>;
}

/** Worker → main thread. */
export type OcrResponse =
  | { type: 'result'; id: number; lines: OcrWorkerLine[]; width: number; height: number; loadMs: number | undefined; ms: number }
  | { type: 'error'; id: number; stage: 'load' | 'image' | 'ocr'; message: string };

/** What the worker needs to find its modules (file URLs, resolved by the main thread). */
export interface OcrWorkerData {
  sharpUrl: string;
  ocrNodeUrl: string;
  ocrModelsUrl: string;
  /** onnxruntime intra-op threads; undefined: onnxruntime's default (one per core). */
  threads: number | undefined;
}

export const OCR_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');

let engine;

// The library turns RGBA pixels into the model's planar BGR input by pushing every value onto three
// JavaScript arrays and spreading them into a fourth: about a third of a read's CPU time (more than the
// detection model itself). The same values, written straight into one Float32Array.
function fastImageToInput(modelBase) {
  modelBase.imageToInput = function imageToInput(image, { mean = [0, 0, 0], std = [1, 1, 1] }) {
    const data = image.data;
    const plane = data.length >> 2;
    const out = new Float32Array(plane * 3);
    const [mr, mg, mb] = mean;
    const [sr, sg, sb] = std;
    // The library's arithmetic, in its order, so the model sees bit-identical input.
    for (let p = 0, i = 0; p < plane; p++, i += 4) {
      out[p] = (data[i + 2] / 255 - mb) / sb;
      out[plane + p] = (data[i + 1] / 255 - mg) / sg;
      out[2 * plane + p] = (data[i] / 255 - mr) / sr;
    }
    return { data: out, width: image.width, height: image.height };
  };
}

// The library decodes each time step by copying its row of class scores (6,625 of them), reducing it
// for the maximum and searching it again for the index: a tenth of a read. The same greedy CTC decoding
// in one pass over the scores, with the same results (the first index of the maximum, as indexOf gives;
// blanks and repeats dropped; the mean of the kept maxima).
function fastDecodeText(recognition, dictionary) {
  recognition.decodeText = function decodeText(output) {
    const data = output.data;
    const [lines, steps, classes] = output.dims;
    const out = [];
    for (let l = 0; l < lines; l++) {
      let text = '';
      let sum = 0;
      let kept = 0;
      let previous = -1;
      for (let s = 0; s < steps; s++) {
        const from = (l * steps + s) * classes;
        let best = 0;
        let max = data[from];
        for (let c = 1; c < classes; c++) {
          const v = data[from + c];
          if (v > max) {
            max = v;
            best = c;
          }
        }
        if (best !== 0 && best !== previous) {
          text += dictionary[best - 1];
          sum += max;
          kept++;
        }
        previous = best;
      }
      out.push({ text, mean: kept ? sum / kept : 0 });
    }
    return out;
  };
}

async function load() {
  const started = performance.now();
  const sharp = (await import(workerData.sharpUrl)).default;
  // Importing the package registers its Node backend (onnxruntime-node, sharp) with the models.
  await import(workerData.ocrNodeUrl);
  const { Detection, Recognition } = await import(workerData.ocrModelsUrl);
  const onnxOptions = workerData.threads ? { intraOpNumThreads: workerData.threads, interOpNumThreads: 1 } : {};
  fastImageToInput(Object.getPrototypeOf(Detection.prototype));
  const detection = await Detection.create({ onnxOptions });
  const recognition = await Recognition.create({ onnxOptions });
  // The dictionary as Recognition.create reads it (private to the class), for the fast decoder.
  const { defaultModels, FileUtils } = await import(new URL('../backend/index.js', workerData.ocrModelsUrl).href);
  fastDecodeText(recognition, [...(await FileUtils.read(defaultModels.dictionaryPath)).split('\n'), ' ']);
  return { sharp, detection, recognition, loadMs: performance.now() - started };
}

function fail(id, stage, err) {
  parentPort.postMessage({ type: 'error', id, stage, message: String((err && err.message) || err).slice(0, 300) });
}

async function read(msg) {
  const started = performance.now();
  const first = engine === undefined;
  let e;
  try {
    e = await (engine ??= load());
  } catch (err) {
    engine = undefined;
    return fail(msg.id, 'load', err);
  }

  let prepared;
  let width;
  let height;
  let scale;
  try {
    const oriented = await e.sharp(msg.image, { limitInputPixels: 80e6 })
      .rotate()
      .flatten({ background: '#ffffff' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    width = oriented.info.width;
    height = oriented.info.height;
    scale = Math.min(1, msg.maxSide / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const w32 = Math.max(32, Math.ceil(w / 32) * 32);
    const h32 = Math.max(32, Math.ceil(h / 32) * 32);
    const raw = { width, height, channels: oriented.info.channels };
    prepared = await e.sharp(oriented.data, { raw })
      .resize(w, h)
      .extend({ right: w32 - w, bottom: h32 - h, background: '#ffffff' })
      .png({ compressionLevel: 0 })
      .toBuffer();
    // The scale actually applied per axis (rounding), to map boxes back.
    scale = { x: w / width, y: h / height };
  } catch (err) {
    return fail(msg.id, 'image', err);
  }

  try {
    const lineImages = await e.detection.run(prepared);
    const inputs = await Promise.all(
      lineImages.map(async (li) => e.recognition.imageToInput(await li.image.resize({ height: 48 }), {})),
    );
    const lines = [];
    for (let i = 0; i < lineImages.length; i++) {
      const output = await e.recognition.runModel({ modelData: inputs[i] });
      const [decoded] = e.recognition.decodeText(output);
      if (!decoded || !decoded.text || decoded.mean < 0.5) continue;
      const box = lineImages[i].box.map(([x, y]) => [Math.round((x / scale.x) * 10) / 10, Math.round((y / scale.y) * 10) / 10]);
      lines.push({ text: decoded.text, mean: Math.round(decoded.mean * 1000) / 1000, box });
    }
    parentPort.postMessage({
      type: 'result',
      id: msg.id,
      lines,
      width,
      height,
      loadMs: first ? e.loadMs : undefined,
      ms: performance.now() - started,
    });
  } catch (err) {
    fail(msg.id, 'ocr', err);
  }
}

parentPort.on('message', (msg) => {
  if (msg && msg.type === 'read') read(msg).catch((err) => fail(msg.id, 'ocr', err));
});
`;

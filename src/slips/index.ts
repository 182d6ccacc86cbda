/**
 * Reading sales-slip (签购单) photos into slot values, offline. Who needs what:
 * - the dialog: `SlipReader` (one per process) → `read(photo)` → `fields` (keys are slot type names),
 *   `confidence`, and `redacted` — the copy of the photo to store when it showed a full card number;
 * - anything that already has OCR lines (a vision model's, a test's): `parseSlipFields`;
 * - callers that black out boxes themselves: `redactImage`.
 */
export {
  SlipReader,
  SlipReadError,
  isSlipReadError,
  redactImage,
  SLIP_ERRORS,
  type SlipErrorCode,
  type SlipReaderOptions,
  type OcrCache,
  type OcrOutput,
  type SlipReadResult,
} from './slip-reader.js';
export {
  parseSlipFields,
  normalizeOcrText,
  fixDigitConfusions,
  type OcrLine,
  type Point,
  type SensitiveRegion,
  type SlipField,
  type SlipFields,
  type SlipParse,
} from './slip-fields.js';

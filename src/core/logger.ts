/**
 * The logger every layer takes: pino's. Made in src/app/logger.ts (level, redaction, card masking);
 * lower layers only receive one.
 */
import type pino from 'pino';

export type Logger = pino.Logger;

/** Sizes as people read them. */

/** "10", "1.5", "0.5": megabytes for a limit in a sentence ("最大 10 MB"), whole from 10 up, never "0". */
export function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 10 ? mb.toFixed(0) : mb.toFixed(1).replace(/\.0$/, '');
}

/** "10 MB", "4 KB": a size with its unit (at least 1 KB). */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${megabytes(bytes)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

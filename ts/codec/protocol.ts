/** Messages between a Codec and its offload workers (structured-clone friendly). */

/** Operation codes of a task. */
export const Op = { ENCODE: 0, DECODE: 1 } as const;

/** One value to encode or decode; `bytes` is a private copy whose buffer is transferred. */
export interface WorkerTask {
  op: number;
  bytes: Uint8Array;
}

/** The worker's answer: the output (transferred) or the error, and the time the work took. */
export type WorkerResult =
  | { ok: true; bytes: Uint8Array; outcome: number; ns: number }
  | { ok: false; name: string; code: string | null; message: string; ns: number };

/** Messages between a Codec and its offload workers (structured-clone friendly). */

/** Operation codes of a task. */
export const Op = { ENCODE: 0, DECODE: 1 } as const;

/** One value to encode or decode; `bytes` is a private copy whose buffer is transferred. */
export interface WorkerTask {
  op: number;
  bytes: Uint8Array;
}

/**
 * The worker's answer: the output (transferred) or the error, and the time the
 * work took. `input` hands the task's buffer back (transferred) so the calling
 * thread can reuse it: freshly allocated memory costs page faults on every
 * copy, which is most of the calling thread's share of an offloaded call.
 */
export type WorkerResult =
  | { ok: true; bytes: Uint8Array; outcome: number; ns: number; input: ArrayBuffer | null }
  | { ok: false; name: string; code: string | null; message: string; ns: number; input: ArrayBuffer | null };

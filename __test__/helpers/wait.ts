/**
 * Waiting for a state under the real clock: polls `condition` until it holds.
 * The deadline is only a hang guard (generous, for loaded machines), never a
 * timing assertion; a test that needs "how long" uses a ManualClock instead.
 */
export const HANG_GUARD_MS = 30_000;

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, guardMs = HANG_GUARD_MS): Promise<void> {
  const deadline = Date.now() + guardMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

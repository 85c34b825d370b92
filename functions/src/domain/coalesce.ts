// Alert storms must not flood Slack: alert-count changes are posted in slots
// that start 10 s after the incident opened and double in length up to
// 5 minutes (10 s, 20 s, 40 s ... then every 300 s). Each slot yields at most one post.

const FIRST_SLOT_MS = 10_000;
const MAX_SLOT_MS = 300_000;

/** The slot a change at `at` falls in: its index and when it may be posted. */
export function countSlot(createdAt: Date, at: Date): { index: number; postAt: Date } {
  const age = Math.max(0, at.getTime() - createdAt.getTime());
  let boundary = FIRST_SLOT_MS;
  let step = FIRST_SLOT_MS;
  let index = 0;
  while (boundary < age) {
    step = Math.min(step * 2, MAX_SLOT_MS);
    boundary += step;
    index += 1;
  }
  return { index, postAt: new Date(createdAt.getTime() + boundary) };
}

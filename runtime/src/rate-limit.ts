/**
 * Requests per minute per identity (API key digest or JWT issuer+subject): a sliding-window counter, the
 * previous minute's count weighted by how much of it still overlaps the last 60 s, plus this minute's.
 * Unlike a token bucket it never lets more than about the limit through in any 60 s (no 2x burst at a
 * window edge). Memory: two numbers per identity seen in the last two minutes; older ones are swept.
 */
const WINDOW_MS = 60_000;

interface Window {
  /** Start of the current fixed minute for this identity. */
  start: number;
  current: number;
  previous: number;
}

export class SlidingWindowLimit {
  private readonly windows = new Map<string, Window>();
  private sweptAt: number;

  constructor(readonly perMinute: number, private readonly now: () => number = Date.now) {
    this.sweptAt = now();
  }

  /** Counts one request; returns 0 when allowed, else the seconds until one would be. */
  take(identity: string): number {
    const t = this.now();
    if (t - this.sweptAt > WINDOW_MS) this.sweep(t);
    let w = this.windows.get(identity);
    if (w === undefined) {
      w = { start: t, current: 0, previous: 0 };
      this.windows.set(identity, w);
    }
    const elapsed = t - w.start;
    if (elapsed >= 2 * WINDOW_MS) {
      w.start = t;
      w.previous = 0;
      w.current = 0;
    } else if (elapsed >= WINDOW_MS) {
      w.start += WINDOW_MS;
      w.previous = w.current;
      w.current = 0;
    }
    const into = (t - w.start) / WINDOW_MS;
    const estimate = w.previous * (1 - into) + w.current;
    if (estimate + 1 <= this.perMinute) {
      w.current++;
      return 0;
    }
    return this.waitSeconds(w, into);
  }

  /** Time until previous * (1 - into) + current + 1 <= limit, with the previous minute's weight decaying. */
  private waitSeconds(w: Window, into: number): number {
    const room = this.perMinute - 1 - w.current;
    if (room >= 0 && w.previous > 0) {
      // previous * (1 - x) <= room  =>  x >= 1 - room / previous
      const x = 1 - room / w.previous;
      return Math.max(0.001, (x - into) * 60);
    }
    // This minute alone is full: wait for it to become the previous one, then for enough of it to decay.
    const next = w.current > 0 ? 1 - (this.perMinute - 1) / w.current : 0;
    return (1 - into) * 60 + Math.max(0, next) * 60;
  }

  private sweep(t: number): void {
    this.sweptAt = t;
    for (const [k, w] of this.windows) if (t - w.start >= 2 * WINDOW_MS) this.windows.delete(k);
  }
}

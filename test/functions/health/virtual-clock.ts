import type { Clock } from '../../../functions/health/heartbeat.js';

/**
 * A clock for tests of the monitor loop: time stands still while any task is busy (real I/O against
 * DynamoDB Local included) and jumps to the earliest sleeper once every task is asleep. Runs are
 * deterministic in virtual time and take only as long as their real I/O.
 *
 * Each task must have at most one sleep pending at a time (the loop without its lag meter does).
 *
 * @example
 * const clock = new VirtualClock(T0);
 * const [a, b] = await Promise.all([clock.task(() => runMonitor(depsA)), clock.task(() => runMonitor(depsB))]);
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly sleepers: { at: number; order: number; resolve: () => void }[] = [];
  private live = 0;
  private order = 0;
  private scheduled = false;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ at: this.current + Math.max(0, ms), order: this.order++, resolve });
      this.kick();
    });
  }

  /** Runs `fn` as a task the clock waits for; a task that starts later starts at its virtual time. */
  async task<T>(fn: () => Promise<T>, startAt?: number): Promise<T> {
    this.live += 1;
    try {
      if (startAt !== undefined) await this.sleep(startAt - this.current);
      return await fn();
    } finally {
      this.live -= 1;
      this.kick();
    }
  }

  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // After pending I/O callbacks and microtasks: a task that is only between two awaits is not asleep.
    setImmediate(() => {
      this.scheduled = false;
      this.advance();
    });
  }

  private advance(): void {
    if (this.sleepers.length === 0 || this.sleepers.length < this.live) return;
    this.sleepers.sort((a, b) => a.at - b.at || a.order - b.order);
    const first = this.sleepers.shift();
    if (!first) return;
    this.current = Math.max(this.current, first.at);
    first.resolve();
    this.kick();
  }
}

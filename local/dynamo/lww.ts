import { fingerprint, type Item } from './canonical.js';

/**
 * Last-writer-wins bookkeeping for the local MREC replicator: plain data, no SDK, `now`
 * passed in.
 *
 * The rule (mirrors what MREC global tables do with their hidden per-item timestamp):
 * - every write a replica makes on its own (a "local" stream record) gets a version
 *   `{ ts, region }`, where `ts` is the replicator's monotonic clock when it read the
 *   record from the stream (DynamoDB Local's ApproximateCreationDateTime is rounded to the
 *   minute, so the record time is useless). Versions order by `ts`, then by region name,
 *   so two replicas always agree on the winner;
 * - each local write is shipped to every other replica and applied there only if it is
 *   newer than the version that replica holds; otherwise it is dropped (the newer write
 *   wins, whichever order they arrive in);
 * - a write the replicator itself applied comes back on the target's stream ("echo"); it
 *   is recognised by its image and never shipped again (no ping-pong). The echo is expected
 *   from before the write is sent ({@link ReplicationLedger.applying}): under load the stream
 *   poll can read it before the write call returns. PutItem/DeleteItem with ReturnValues
 *   ALL_OLD then tell whether the apply changed anything; an unchanged item writes no stream
 *   record, so the expectation is withdrawn;
 * - race repair: if a replica's own write lands just before a replicated older write
 *   overwrites it (the replicator had not yet read it), the replica's stream shows the local
 *   write and then the echo; the ledger then asks for the newer local image to be written
 *   back at once. The replica shows the older image for about one poll interval.
 *
 * Versions and echoes are kept per key for the life of the replicator (tests are short).
 */
export interface Version {
  readonly ts: number;
  readonly region: string;
}

/** Orders versions: by timestamp, then region name (a total order, so replicas agree). */
export function compareVersions(a: Version, b: Version): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  return a.region < b.region ? -1 : a.region > b.region ? 1 : 0;
}

/** One write to ship: the image (`null` = delete) and its version. */
export interface Change {
  readonly table: string;
  readonly keyId: string;
  readonly key: Item;
  readonly image: Item | null;
  readonly version: Version;
}

export type Observation =
  | { readonly kind: 'echo'; readonly restore?: Change }
  | { readonly kind: 'local'; readonly change: Change };

interface ExpectedEcho {
  readonly version: Version;
  readonly fingerprint: string;
}

/** An apply in progress: the echo it expects on the target's stream. */
export interface EchoTicket {
  readonly target: string;
  readonly change: Change;
  readonly echo: ExpectedEcho;
}

interface KeyState {
  best?: Change;
  readonly held: Map<string, Version>;
  readonly echoes: Map<string, ExpectedEcho[]>;
}

export class ReplicationLedger {
  private readonly keys = new Map<string, KeyState>();

  /**
   * Classifies one stream record of `region` (call in stream order) and updates what that
   * replica holds. A local write returns the change to ship; an echo may return a change
   * to write straight back into the same replica (race repair, see the module comment).
   */
  observe(region: string, table: string, key: Item, image: Item | null, now: number): Observation {
    const keyId = fingerprint(key);
    const state = this.state(table, keyId);
    const pending = state.echoes.get(region);
    const head = pending?.[0];
    if (pending !== undefined && head !== undefined && head.fingerprint === fingerprint(image)) {
      pending.shift();
      state.held.set(region, head.version);
      const best = state.best;
      const lostOwnWrite =
        best !== undefined &&
        best.version.region === region &&
        compareVersions(best.version, head.version) > 0;
      return lostOwnWrite ? { kind: 'echo', restore: best } : { kind: 'echo' };
    }
    const change: Change = { table, keyId, key, image, version: { ts: now, region } };
    state.held.set(region, change.version);
    if (state.best === undefined || compareVersions(change.version, state.best.version) > 0)
      state.best = change;
    return { kind: 'local', change };
  }

  /** True when `target` should take `change`: it is newer than what the target holds. */
  shouldApply(target: string, change: Change): boolean {
    const held = this.state(change.table, change.keyId).held.get(target);
    return held === undefined || compareVersions(change.version, held) > 0;
  }

  /**
   * Call right before writing `change` into `target`: from now on its echo may appear on the
   * target's stream. Settle the ticket with {@link applied} or {@link abandoned}.
   */
  applying(target: string, change: Change): EchoTicket {
    const state = this.state(change.table, change.keyId);
    const echo = { version: change.version, fingerprint: fingerprint(change.image) };
    const list = state.echoes.get(target) ?? [];
    list.push(echo);
    state.echoes.set(target, list);
    return { target, change, echo };
  }

  /**
   * The write of a ticket returned. `changed` = the item differed before the write; if it did
   * not, the target's stream carries no record, so the echo is no longer expected.
   */
  applied(ticket: EchoTicket, changed: boolean): void {
    const { target, change } = ticket;
    this.state(change.table, change.keyId).held.set(target, change.version);
    if (!changed) this.withdraw(ticket);
  }

  /** The write of a ticket failed: nothing reached the target, so no echo will come. */
  abandoned(ticket: EchoTicket): void {
    this.withdraw(ticket);
  }

  private withdraw(ticket: EchoTicket): void {
    const list = this.state(ticket.change.table, ticket.change.keyId).echoes.get(ticket.target);
    const at = list?.indexOf(ticket.echo) ?? -1;
    if (list !== undefined && at >= 0) list.splice(at, 1);
  }

  /** Echoes written but not yet seen on the streams (for settle()). */
  pendingEchoes(): number {
    let n = 0;
    for (const state of this.keys.values()) for (const list of state.echoes.values()) n += list.length;
    return n;
  }

  private state(table: string, keyId: string): KeyState {
    const id = `${table}\u0000${keyId}`;
    let state = this.keys.get(id);
    if (state === undefined) {
      state = { held: new Map(), echoes: new Map() };
      this.keys.set(id, state);
    }
    return state;
  }
}

import type { QueueSnapshot } from './types.js';

/** What a snapshot says about a queue's agents right now, for logs, reports and operators. */
export interface CapacitySummary {
  /** Joined members whose routing status is known and not OFF_QUEUE, and whose presence is not off queue. */
  readonly onQueue: number;
  /** Of those, IDLE. */
  readonly idle: number;
  /** Of those, INTERACTING. */
  readonly interacting: number;
  /** Idle agents per skill and proficiency: `{ billing: { '3': 2, '5': 1 } }`. */
  readonly idleBySkill: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly waiting: number | null;
}

/**
 * @example
 * summarize(await reader.read(region, queueId)).idleBySkill.billing // { '4': 2 }
 */
export function summarize(snapshot: QueueSnapshot): CapacitySummary {
  let onQueue = 0;
  let idle = 0;
  let interacting = 0;
  const idleBySkill: Record<string, Record<string, number>> = {};
  for (const m of snapshot.members) {
    if (m.routingStatus === null || m.routingStatus === 'OFF_QUEUE' || m.onQueue === false) continue;
    onQueue++;
    if (m.routingStatus === 'INTERACTING') interacting++;
    if (m.routingStatus !== 'IDLE') continue;
    idle++;
    for (const [skill, proficiency] of Object.entries(m.skills)) {
      const levels = idleBySkill[skill] ?? {};
      levels[String(proficiency)] = (levels[String(proficiency)] ?? 0) + 1;
      idleBySkill[skill] = levels;
    }
  }
  return { onQueue, idle, interacting, idleBySkill, waiting: snapshot.waiting };
}

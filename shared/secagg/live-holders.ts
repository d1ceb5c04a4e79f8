import type { ClientId } from './graph'

/**
 * Which clients can still take part after a phase closes, before any of them has masked its input (Bell et al.
 * 2020: a client whose neighbourhood falls below the threshold cannot have its secrets rebuilt, and
 * leaves the round). A client needs t live holders of its shares, itself included; removing one can leave its
 * neighbours short in turn, so removal repeats until every remaining client has t. Removing a client here is
 * safe: it has sent nothing that depends on its neighbours' masks yet.
 *
 * `holdersOf(u)` lists u's holders (u itself and its neighbours). Returns the clients kept, and for each one
 * removed how many live holders it had.
 */
export function keepClientsWithLiveHolders(
  alive: ReadonlySet<ClientId>,
  holdersOf: (u: ClientId) => readonly ClientId[],
  threshold: number,
): { kept: Set<ClientId>; removed: Map<ClientId, number> } {
  const kept = new Set(alive)
  const removed = new Map<ClientId, number>()
  for (let changed = true; changed; ) {
    changed = false
    for (const u of kept) {
      const live = holdersOf(u).filter((v) => kept.has(v)).length
      if (live < threshold) {
        kept.delete(u)
        removed.set(u, live)
        changed = true
      }
    }
  }
  return { kept, removed }
}

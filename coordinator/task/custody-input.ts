import type { ClientId, RoundState } from '../../shared/rounds/state'

/** What the round machine needs of the key custody: the key and which of the task's tabs hold it. */
export interface CustodyView {
  readonly keyId: string | null
  holds(id: ClientId): boolean
}

/**
 * The `key-custody` input that brings the round machine up to date with the custody, or null when it already is
 * (so a join or a confirmation that changed nothing dispatches nothing).
 */
export function custodyChange(
  state: RoundState,
  custody: CustodyView,
): { keyId: string | null; holders: ClientId[] } | null {
  const holders = [...state.clients.keys()].filter((id) => custody.holds(id))
  const known = state.keyHolders
  const same =
    known.keyId === custody.keyId &&
    known.holders.size === holders.length &&
    holders.every((id) => known.holders.has(id))
  return same ? null : { keyId: custody.keyId, holders }
}

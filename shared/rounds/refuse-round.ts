import type { ClientId, ClientRecord, Effect, Input, RoundState } from './state'

/**
 * The coordinator cannot run the round that just started as planned (an encrypted round whose fixed-point plan does
 * not fit the plain modulus): the round is abandoned with the reason, every ready client goes back to idle, and
 * training stops (`stopped` says why) rather than retrying, since the next round would be refused the same way until
 * the settings change. An input for another round than the running one changes nothing.
 */
export function refuseRound(
  state: RoundState,
  input: Extract<Input, { type: 'refuse-round' }>,
  effects: Effect[],
): RoundState {
  const round = state.round
  if (round?.number !== input.round) return state
  effects.push({ type: 'round-abandoned', round: round.number, reason: input.reason })
  const outcome = {
    round: round.number,
    status: 'abandoned' as const,
    selected: round.selected.length,
    participants: [],
    examples: 0,
    reason: input.reason,
    startedAt: round.startedAt,
    endedAt: input.now,
  }
  const clients = new Map<ClientId, ClientRecord>()
  for (const c of state.clients.values())
    clients.set(c.id, c.ready ? { ...c, status: 'idle', progress: 0 } : c)
  return {
    ...state,
    clients,
    round: null,
    running: false,
    pauseRequested: false,
    stopped: `round ${round.number} was refused: ${input.reason}`,
    outcomes: [...state.outcomes, outcome],
  }
}

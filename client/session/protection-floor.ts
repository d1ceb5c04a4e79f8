import type { RoundStartMessage, TaskStateMessage } from '../../shared/protocol'

/**
 * The least protection this tab agreed to send its updates under: what the task promised when the tab joined
 * (`HelloReply.state`), raised by every stronger `task:state` the tab was shown, and lowered only when the person in
 * the tab accepts weaker settings (`acceptWeaker`). A coordinator cannot lower it: not by a round message without
 * encryption or DP, not by a `task:state` that weakens the task, not by a reconnect whose hello says less. Against a
 * hostile coordinator (GUIDE §9: from a tab's side the coordinator is a peer like any other), a round below the
 * floor is refused before training and nothing is sent.
 *
 * Ranked, component by component: encryption on over off; DP local over distributed (each tab adds only a share of
 * the noise there) over off; a larger noise multiplier (client-level and DP-SGD), a smaller epsilon budget and a
 * smaller delta are stronger. The clip norm is not part of it: at a fixed noise multiplier the noise scales with it
 * and epsilon does not change (Abadi et al. 2016; McMahan et al. 2018).
 */
export interface ProtectionFloor {
  readonly encrypted: boolean
  readonly dp: 'off' | 'distributed' | 'local'
  /** Client-level DP: the least noise multiplier, the largest epsilon budget and delta (null: not yet known). */
  readonly noiseMultiplier: number | null
  readonly epsilonBudget: number | null
  readonly delta: number | null
  /** Example-level DP-SGD in training, and its least noise multiplier (null: not yet known). */
  readonly exampleLevel: boolean
  readonly exampleNoiseMultiplier: number | null
}

const DP_RANK = { off: 0, distributed: 1, local: 2 } as const

/** The floor a task state promises (numbers the state leaves out are learnt from the first round that has them). */
export function floorOf(state: TaskStateMessage): ProtectionFloor {
  const { privacy } = state
  const dp = privacy.mode !== 'off'
  return {
    encrypted: state.encryption.mode !== 'off',
    dp: privacy.mode,
    noiseMultiplier: dp ? (privacy.noiseMultiplier ?? null) : null,
    epsilonBudget: dp || privacy.exampleLevel ? privacy.epsilonBudget : null,
    delta: dp || privacy.exampleLevel ? (privacy.delta ?? null) : null,
    exampleLevel: privacy.exampleLevel,
    exampleNoiseMultiplier: privacy.exampleLevel ? (privacy.exampleNoiseMultiplier ?? null) : null,
  }
}

const most = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b))
const least = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b))

/** The stronger of two floors, component by component. */
export function strongest(a: ProtectionFloor, b: ProtectionFloor): ProtectionFloor {
  return {
    encrypted: a.encrypted || b.encrypted,
    dp: DP_RANK[a.dp] >= DP_RANK[b.dp] ? a.dp : b.dp,
    noiseMultiplier: most(a.noiseMultiplier, b.noiseMultiplier),
    epsilonBudget: least(a.epsilonBudget, b.epsilonBudget),
    delta: least(a.delta, b.delta),
    exampleLevel: a.exampleLevel || b.exampleLevel,
    exampleNoiseMultiplier: most(a.exampleNoiseMultiplier, b.exampleNoiseMultiplier),
  }
}

/** The ways `next` is weaker than `floor`, in words; empty when it is at least as strong. */
export function weakenings(floor: ProtectionFloor, next: ProtectionFloor): string[] {
  const out: string[] = []
  if (floor.encrypted && !next.encrypted) out.push('encryption off')
  if (DP_RANK[next.dp] < DP_RANK[floor.dp]) out.push(`differential privacy ${next.dp} (agreed: ${floor.dp})`)
  if (floor.dp !== 'off' && next.dp !== 'off') {
    if (
      floor.noiseMultiplier !== null &&
      next.noiseMultiplier !== null &&
      next.noiseMultiplier < floor.noiseMultiplier
    )
      out.push(`noise multiplier ${next.noiseMultiplier} (agreed: at least ${floor.noiseMultiplier})`)
  }
  if (floor.exampleLevel && !next.exampleLevel) out.push('example-level DP-SGD off')
  if (
    floor.exampleLevel &&
    next.exampleLevel &&
    floor.exampleNoiseMultiplier !== null &&
    next.exampleNoiseMultiplier !== null &&
    next.exampleNoiseMultiplier < floor.exampleNoiseMultiplier
  )
    out.push(
      `DP-SGD noise multiplier ${next.exampleNoiseMultiplier} (agreed: at least ${floor.exampleNoiseMultiplier})`,
    )
  const dpLike = next.dp !== 'off' || next.exampleLevel
  if (
    dpLike &&
    floor.epsilonBudget !== null &&
    next.epsilonBudget !== null &&
    next.epsilonBudget > floor.epsilonBudget
  )
    out.push(`epsilon budget ${next.epsilonBudget} (agreed: at most ${floor.epsilonBudget})`)
  if (dpLike && floor.delta !== null && next.delta !== null && next.delta > floor.delta)
    out.push(`delta ${next.delta} (agreed: at most ${floor.delta})`)
  return out
}

/** What a round's own instructions protect its update with, as a floor to compare. */
export function roundProtection(message: RoundStartMessage): ProtectionFloor {
  const { privacy, settings, encryption } = message
  const dpSgd = settings.dpSgd
  return {
    encrypted: encryption !== null,
    dp: privacy?.mode ?? 'off',
    noiseMultiplier: privacy?.noiseMultiplier ?? null,
    epsilonBudget: privacy?.epsilonBudget ?? null,
    delta: privacy?.delta ?? dpSgd?.delta ?? null,
    exampleLevel: dpSgd !== null,
    exampleNoiseMultiplier: dpSgd?.noiseMultiplier ?? null,
  }
}

/**
 * Why a round is refused, or an empty list: weaker than the floor, or inconsistent with itself (released epsilon
 * past its own budget; under local DP, less noise on the update than its own noise multiplier says).
 */
export function roundRefusals(floor: ProtectionFloor, message: RoundStartMessage): string[] {
  const out = weakenings(floor, roundProtection(message))
  const p = message.privacy
  if (p && floor.epsilonBudget !== null && p.epsilonAfterRound > floor.epsilonBudget)
    out.push(
      `released epsilon would reach ${p.epsilonAfterRound.toFixed(3)} (agreed budget ${floor.epsilonBudget})`,
    )
  if (p && p.mode === 'local' && p.noiseStd < p.noiseMultiplier * p.clipNorm * (1 - 1e-9))
    out.push(`noise std ${p.noiseStd} is below noise multiplier × clip (${p.noiseMultiplier * p.clipNorm})`)
  return out
}

/** The floor after a round the tab accepted: numbers the task state left out are now known (first use). */
export function learnFrom(floor: ProtectionFloor, message: RoundStartMessage): ProtectionFloor {
  const seen = roundProtection(message)
  return {
    ...floor,
    noiseMultiplier:
      floor.dp !== 'off' ? (floor.noiseMultiplier ?? seen.noiseMultiplier) : floor.noiseMultiplier,
    delta: floor.delta ?? seen.delta,
    exampleNoiseMultiplier: floor.exampleLevel
      ? (floor.exampleNoiseMultiplier ?? seen.exampleNoiseMultiplier)
      : floor.exampleNoiseMultiplier,
  }
}

/** The floor in words, for the tab's protection card. */
export function describeFloor(floor: ProtectionFloor): string {
  const parts = [floor.encrypted ? 'encrypted' : 'in the clear']
  if (floor.dp !== 'off')
    parts.push(
      `DP ${floor.dp}${floor.noiseMultiplier !== null ? ` with noise multiplier ≥ ${floor.noiseMultiplier}` : ''}`,
    )
  if (floor.exampleLevel)
    parts.push(
      `DP-SGD${floor.exampleNoiseMultiplier !== null ? ` with noise multiplier ≥ ${floor.exampleNoiseMultiplier}` : ''}`,
    )
  if (floor.epsilonBudget !== null) parts.push(`epsilon ≤ ${floor.epsilonBudget}`)
  return parts.join(', ')
}

import type { UpdateVerdict } from '../../shared/aggregation/round-aggregator'
import type { RoundRecord } from '../../shared/protocol'
import type {
  ClientId,
  Effect,
  ParticipantReport,
  RefusedUpdate,
  RoundPrivacy,
} from '../../shared/rounds/state'
import type { AggregatedRound } from './federation-ports'
import type { ReleasedRound } from './round-aggregation'

type Completed = Extract<Effect, { type: 'round-completed' }>

/** The participants' local training loss and accuracy, weighted by their examples (null when none reported). */
export function trainingSummary(reports: ReadonlyMap<ClientId, ParticipantReport>): {
  trainLoss: number | null
  trainAccuracy: number | null
} {
  let loss = 0
  let accuracy = 0
  let examples = 0
  for (const r of reports.values()) {
    if (r.loss === null || r.accuracy === null) continue
    loss += r.loss * r.examples
    accuracy += r.accuracy * r.examples
    examples += r.examples
  }
  return examples
    ? { trainLoss: loss / examples, trainAccuracy: accuracy / examples }
    : { trainLoss: null, trainAccuracy: null }
}

/**
 * Who the chain pays for a round: each participant's account, update hash and declared examples, with what the
 * round's rule made of its update (`verdicts`, plaintext rounds): accepted, clipped, or rejected with the reason; the
 * weight its examples bought (capped) and its contribution score. The training contract pays counted updates by
 * weight times score. Under encryption the coordinator sees no update: the capped weight is all it records.
 */
export function chainParticipants(
  reports: ReadonlyMap<ClientId, ParticipantReport>,
  verdicts: ReadonlyMap<ClientId, UpdateVerdict> | null,
): AggregatedRound['participants'][number][] {
  return [...reports].map(([clientId, r]) => {
    const base = { clientId, address: r.address, updateHash: r.updateHash, examples: r.examples }
    const verdict = verdicts?.get(clientId)
    if (!verdict) return { ...base, weight: r.weight }
    if (!verdict.counted) {
      const reason = verdict.cause === 'over-bound' ? 'over-bound' : 'outlier'
      return { ...base, verdict: 'rejected' as const, reason, weight: 0, score: 0 }
    }
    return {
      ...base,
      verdict: verdict.clipped ? ('clipped' as const) : ('accepted' as const),
      weight: r.weight,
      ...(verdict.score === undefined ? {} : { score: verdict.score }),
    }
  })
}

/**
 * The round's signed updates the gateway refused as broken (`RefusedUpdate`): rejected participants with their
 * reason, weight 0, paid nothing; a staked one is slashed by the training contract.
 */
export function refusedParticipants(
  refused: ReadonlyMap<ClientId, RefusedUpdate>,
): AggregatedRound['participants'][number][] {
  return [...refused].map(([clientId, r]) => ({
    clientId,
    address: r.address,
    updateHash: r.updateHash,
    examples: r.examples,
    verdict: 'rejected' as const,
    reason: r.reason,
    weight: 0,
    score: 0,
  }))
}

/** What the chain records of a round's privacy. */
export function privacyRecord(
  privacy: RoundPrivacy | null,
  epsilon: number | null,
  delta: number,
): Record<string, string | number | null> {
  return privacy
    ? { mode: privacy.mode, clipNorm: privacy.clipNorm, noiseStd: privacy.noiseStd, epsilon, delta }
    : { mode: 'off' }
}

/** The live page's record of a completed round, for the model `version` it released. */
export function roundRecord(
  round: Completed,
  modelRound: number,
  version: string,
  now: number,
  encryption: RoundRecord['encryption'],
): RoundRecord {
  return {
    round: modelRound,
    version,
    participants: round.participants.length,
    examples: round.examples,
    durationMs: now - round.startedAt,
    completedAt: now,
    ...trainingSummary(round.reports),
    evaluation: null,
    epsilon: round.epsilonAfter,
    encryption,
  }
}

/** Everything a released round is recorded as: the chain's record, the live page's, and the event log's line. */
export function releaseRecords(
  taskId: string,
  round: Completed,
  released: ReleasedRound,
  settings: { readonly rewardPerExample: number; readonly delta: number; readonly run: number },
  now: number,
): { aggregated: AggregatedRound; record: RoundRecord; note: string } {
  const { round: modelRound, version } = released.model
  const common = {
    taskId,
    run: settings.run,
    round: modelRound,
    participants: [
      ...chainParticipants(round.reports, released.kind === 'plain' ? released.verdicts : null),
      ...refusedParticipants(round.refused),
    ],
    metrics: trainingSummary(round.reports),
    rewardPerExample: settings.rewardPerExample,
    privacy: privacyRecord(round.privacy, round.epsilonAfter, settings.delta),
  }
  const from = `${round.participants.length} clients (${round.examples} examples)`
  if (released.kind === 'plain') {
    const { modelBefore, modelAfter, model } = released
    return {
      aggregated: { ...common, modelBefore, modelAfter, weights: model.weights, homomorphic: false },
      record: {
        ...roundRecord(round, modelRound, version, now, null),
        verdicts: verdictTexts(released.verdicts, round.reports, round.refused),
      },
      note: `round ${round.round} aggregated from ${from}: model ${version}`,
    }
  }
  // The coordinator records hashes and counts of an encrypted round; it never sees the model.
  const { sum } = released
  const { preset, keyId, sumHash } = sum.message
  return {
    aggregated: {
      ...common,
      modelBefore: sum.modelBefore,
      modelAfter: sum.modelAfter,
      weights: null,
      homomorphic: true,
    },
    record: roundRecord(round, modelRound, version, now, {
      preset,
      keyId,
      sumHash,
      bytesIn: sum.bytesIn,
      bytesOut: sum.bytesOut,
    }),
    note: `round ${round.round} aggregated under encryption from ${from}: sum ${sumHash.slice(0, 12)}, ${(sum.bytesIn / 1e6).toFixed(2)} MB in; model ${version}`,
  }
}

const short = (x: number): string => Number(x.toPrecision(3)).toString()

/** One line per tab for the live page: its update's verdict, what was cut, and its contribution score. */
export function verdictTexts(
  verdicts: ReadonlyMap<ClientId, UpdateVerdict>,
  reports: ReadonlyMap<ClientId, ParticipantReport>,
  refused: ReadonlyMap<ClientId, RefusedUpdate> = new Map(),
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [id, r] of refused) out[id] = `rejected: ${r.reason}`
  for (const [id, v] of verdicts) {
    if (!v.counted) {
      out[id] = v.cause === 'not-selected' ? 'not selected by Krum' : 'left out: over the norm bound'
      continue
    }
    const report = reports.get(id)
    const parts = [v.clipped ? `clipped ${short(v.clipped.from)} → ${short(v.clipped.to)}` : 'accepted']
    if (report && report.weight < report.examples)
      parts.push(`capped ${short(report.examples)} → ${report.weight}`)
    if (v.score !== undefined) parts.push(`score ${v.score.toFixed(2)}`)
    out[id] = parts.join(' · ')
  }
  return out
}

import type { RoundRecord } from '../../shared/protocol'
import type { ClientId, Effect, ParticipantReport, RoundPrivacy } from '../../shared/rounds/state'

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
    loss += r.loss * r.examples
    accuracy += r.accuracy * r.examples
    examples += r.examples
  }
  return examples
    ? { trainLoss: loss / examples, trainAccuracy: accuracy / examples }
    : { trainLoss: null, trainAccuracy: null }
}

/** Who the chain pays for a round: each participant's account, update hash and examples. */
export function chainParticipants(
  reports: ReadonlyMap<ClientId, ParticipantReport>,
): { clientId: ClientId; address: string; updateHash: string; examples: number }[] {
  return [...reports].map(([clientId, r]) => ({
    clientId,
    address: r.address,
    updateHash: r.updateHash,
    examples: r.examples,
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

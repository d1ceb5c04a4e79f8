import { applyDelta } from '../../shared/aggregation/fedavg'
import { FedAvgRoundAggregator } from '../../shared/aggregation/fedavg-round'
import { RobustRoundAggregator } from '../../shared/aggregation/robust/robust-round'
import type { RoundAggregator, UpdateVerdict } from '../../shared/aggregation/round-aggregator'
import { firstNonFinite } from '../../shared/codec'
import { HeError } from '../../shared/he/errors'
import type { EncryptedVector } from '../../shared/he/vector'
import { stageTimes } from '../../shared/metrics/stage-times'
import { clearModel, weightsDigest } from '../../shared/model/version'
import type { RoundEncryptionMessage } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import type { TrainingConfig } from '../../shared/rounds/config'
import type { ActiveRound, ClientId, Effect } from '../../shared/rounds/state'
import type { ClosedEncryptedRound, EncryptedRounds } from '../he/encrypted-rounds'
import type { EncryptedSum } from '../he/encrypted-sum-aggregator'
import type { GlobalModel, UpdateClaims, UpdatePayload } from './federation-ports'
import { spillingUpdates } from './spilled-updates'

/**
 * The open round's aggregator, chosen from its plan when it starts; `refused` for an encrypted plan that could not
 * be opened safely (its BFV plan does not fit): such a round takes no update, encrypted or not.
 */
type OpenRound =
  | { readonly kind: 'plain'; readonly aggregator: RoundAggregator<Float32Array, Float32Array> }
  | { readonly kind: 'encrypted'; readonly aggregator: RoundAggregator<EncryptedVector, EncryptedSum> }
  | { readonly kind: 'refused'; readonly reason: string }

/** An update let in by `admit`: its payload, and its ciphertexts loaded (an encrypted one) until the round takes them. */
export interface AdmittedUpdate {
  readonly payload: UpdatePayload
  loaded: EncryptedVector | null
}

/** What closing a round released: a new model in the clear, or an encrypted sum the tabs decrypt. */
export type ReleasedRound =
  | {
      readonly kind: 'plain'
      readonly model: GlobalModel
      readonly modelBefore: string
      readonly modelAfter: string
      /** What became of each update: counted (capped, clipped, scored) or left out with the reason. */
      readonly verdicts: ReadonlyMap<string, UpdateVerdict>
      /** Why the round departed from its rule, if it did. */
      readonly note?: string
    }
  | { readonly kind: 'encrypted'; readonly model: GlobalModel; readonly sum: ClosedEncryptedRound }

/**
 * A task's open round on the aggregation side: the `RoundAggregator` its plan chose (FedAvg in the clear, or the
 * encrypted sum through `EncryptedRounds`), what an update must match to be let in, and the model a closed round
 * releases. The round machine decides what counts; this holds what was counted.
 */
export class RoundAggregation {
  #open: OpenRound | null = null
  /** The last plaintext round's step: where centered clipping starts. */
  #lastStep: Float32Array | null = null

  constructor(
    private readonly parameters: number,
    private readonly encryption: EncryptedRounds,
  ) {}

  /** Opens the started round's aggregator; the encryption settings its tabs need, for an encrypted round. */
  begin(
    effect: Extract<Effect, { type: 'round-started' }>,
    config: TrainingConfig,
    examplesOf: (id: ClientId) => number,
    global: GlobalModel,
  ): RoundEncryptionMessage | null {
    this.discard()
    if (effect.plan.kind === 'encrypted') {
      const begun = this.encryption.begin(
        effect.plan.keyId,
        config.encryption,
        effect.selected,
        // The round's weight cap bounds the fixed-point plan (a declared 1e9 must not starve every tab of bits).
        (id) => Math.min(examplesOf(id), effect.maxWeight),
        effect.privacy,
        global,
      )
      if (begun && 'refused' in begun) {
        // Never a plaintext round in its place: the round takes nothing (see `refusal`).
        this.#open = { kind: 'refused', reason: begun.refused }
        return null
      }
      if (begun) {
        this.#open = { kind: 'encrypted', aggregator: begun.aggregator }
        return begun.message
      }
    }
    // A DP round keeps DP-FedAvg's sum: the tabs clipped to S already, and a bound that depends on the other
    // updates would change the sensitivity the accountant assumes.
    // The task's rule applies to rounds in the clear without DP. A DP round is DP-FedAvg, streamed (one model in
    // memory): the tabs clipped to S already, and a rule or bound that depends on the other updates would change the
    // sensitivity the accountant assumes. Weights were capped by the round machine.
    this.#open = {
      kind: 'plain',
      // Plain updates come only from the gateway, which refused non-finite values before they could count: the
      // aggregators do not scan them again. A robust round holds its updates until it closes: past a memory
      // budget they go to a temporary file (issue 17).
      aggregator: effect.privacy
        ? new FedAvgRoundAggregator(this.parameters, effect.privacy.denominator, true)
        : new RobustRoundAggregator(this.parameters, config.robustness, null, this.#lastStep, {
            store: spillingUpdates(),
            finiteChecked: true,
          }),
    }
    return null
  }

  /**
   * Whether an update may go to the round machine: it must match the round's plan and the model the round trains
   * from; an encrypted upload is loaded (SEAL's own checks) so a bad one is refused before it counts.
   */
  admit(
    running: ActiveRound | null,
    claims: UpdateClaims,
    payload: UpdatePayload,
    globalVersion: string,
  ): Result<AdmittedUpdate> {
    const ofThisRound = running && running.number === claims.round ? this.#open : null
    if (ofThisRound?.kind === 'refused')
      return fail('invalid-state', `round ${claims.round} takes no updates: ${ofThisRound.reason}`)
    if (payload.kind === 'plain' && ofThisRound?.kind === 'encrypted')
      return fail('invalid-state', `round ${claims.round} is encrypted: send client:encrypted-update`)
    if (payload.kind === 'encrypted' && ofThisRound?.kind !== 'encrypted')
      return fail('stale-round', `round ${claims.round} is not an open encrypted round`)
    // The global model stays put while a round runs: an update from any other model is not this round's work.
    if (running && running.number === claims.round && claims.baseVersion !== globalVersion) {
      return fail(
        'stale-round',
        `baseVersion ${claims.baseVersion.slice(0, 40)} is not round ${running.number}'s model ${globalVersion}`,
      )
    }
    if (payload.kind === 'plain') return ok({ payload, loaded: null })
    try {
      return ok({ payload, loaded: this.encryption.load(payload.keyId, payload.ciphertexts) })
    } catch (error) {
      if (!(error instanceof HeError)) throw error
      return fail('bad-payload', `encrypted update: ${error.message}`)
    }
  }

  /** Folds an update the round machine counted (its `accumulate` effect) into the open round's aggregator. */
  add(effect: Extract<Effect, { type: 'accumulate' }>, update: AdmittedUpdate | undefined): Result<null> {
    const open = this.#open
    if (!open || !update) throw new Error(`round ${effect.round}: an update was counted with no round open`)
    if (open.kind === 'refused') return fail('invalid-state', `round ${effect.round}: ${open.reason}`)
    if (open.kind === 'plain' && update.payload.kind === 'plain') {
      const delta = update.payload.delta
      return stageTimes.time('aggregate', () =>
        open.aggregator.add({ id: effect.id, weight: effect.weight, payload: delta }),
      )
    }
    if (open.kind === 'encrypted' && update.loaded) {
      const vector = update.loaded
      update.loaded = null // the aggregator owns it now
      return stageTimes.time('aggregate', () =>
        open.aggregator.add({ id: effect.id, weight: effect.weight, payload: vector }),
      )
    }
    throw new Error(`round ${effect.round}: a ${update.payload.kind} update reached a ${open.kind} round`)
  }

  /** Closes the round: the new model in the clear, or the encrypted sum (the coordinator keeps the clear base). */
  close(
    round: Extract<Effect, { type: 'round-completed' }>,
    global: GlobalModel,
    modelRound: number,
  ): Result<ReleasedRound> {
    const open = this.#open
    this.#open = null
    if (!open) throw new Error(`round ${round.round} completed with no round open`)
    if (open.kind === 'refused') return fail('invalid-state', `round ${round.round}: ${open.reason}`)
    const closed = stageTimes.time('aggregate', () => open.aggregator.close())
    if (!closed.ok) {
      this.encryption.discard()
      return closed
    }
    if (open.kind === 'plain') {
      const step = closed.value.outcome as Float32Array
      const weights = applyDelta(global.weights, step)
      if (firstNonFinite(weights) !== -1) return fail('non-finite', 'the aggregate is not finite')
      this.#lastStep = step
      const model = clearModel(modelRound, weights)
      return ok({
        kind: 'plain',
        model,
        modelBefore: global.digest,
        modelAfter: model.digest,
        verdicts: closed.value.verdicts,
        ...(closed.value.note ? { note: closed.value.note } : {}),
      })
    }
    // Under encryption the coordinator keeps the last model it held in the clear (what a late tab replays from).
    const base = this.encryption.base!.weights
    const baseDigest = base === global.weights ? global.digest : weightsDigest(base)
    const sum = this.encryption.release(
      modelRound,
      global.version,
      round.participants.length,
      round.privacy,
      closed.value.outcome as EncryptedSum,
    )
    return ok({
      kind: 'encrypted',
      model: { round: modelRound, version: sum.message.version, weights: base, digest: baseDigest },
      sum,
    })
  }

  /** Why the open round takes no updates (an encrypted plan refused), or null. */
  get refusal(): string | null {
    return this.#open?.kind === 'refused' ? this.#open.reason : null
  }

  /** Drops the open round (abandoned, reset, or replaced by a new one). */
  discard(): void {
    if (this.#open?.kind !== 'refused') this.#open?.aggregator.discard()
    this.#open = null
    this.encryption.discard()
  }
}

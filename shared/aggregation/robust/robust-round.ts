import { firstNonFinite } from '../../codec'
import { fail, ok, type Result } from '../../result'
import { type RobustnessConfig, robustnessConfigSchema } from '../../rounds/config'
import { FedAvgAccumulator } from '../fedavg'
import {
  type AcceptedUpdate,
  checkPlainUpdate,
  type RoundAggregator,
  type RoundClose,
  type UpdateVerdict,
} from '../round-aggregator'
import { centeredClip } from './centered-clip'
import { contributionScore } from './contribution'
import { coordinateMedian } from './coordinate-median'
import { krumPrecondition, krumScores } from './krum'
import { type NormBoundRule, normBound } from './norm-bound'
import { trimCount, trimmedMean } from './trimmed-mean'
import { weightCap } from './weight-cap'

/** An update that passed the norm bound, with its index in the round and the (capped) weight it counts with. */
interface Kept {
  readonly index: number
  readonly values: Float32Array
  readonly weight: number
}

/** The rule's step, and why each kept update it did not use was left out (by index in the round). */
interface RuleOutcome {
  readonly step: Float32Array
  readonly notSelected: ReadonlyMap<number, string>
  /** Why the round departed from the rule (a Krum round with too few updates), for the log. */
  readonly note?: string
}

const precise = (x: number): string => Number(x.toPrecision(4)).toString()

/** The norm bound a robustness config sets. */
export function normBoundRule(config: RobustnessConfig): NormBoundRule {
  switch (config.normBound) {
    case 'off':
      return { kind: 'off' }
    case 'adaptive':
      return { kind: 'adaptive', multiple: config.normMultiple }
    case 'fixed':
      return { kind: 'fixed', value: config.normValue }
    default: {
      const _exhaustive: never = config.normBound
      return _exhaustive
    }
  }
}

/**
 * A plaintext round aggregated by a Byzantine-robust rule chosen in the task's `RobustnessConfig` (issue 14). `add`
 * validates each update (length, finite values, a positive finite weight, one update per id) and keeps a copy; `close`
 * then, in this order:
 * 1. caps each weight at `weightCap` times the round's median declared weight (`weightCap`);
 * 2. bounds each update's L2 norm (`normBound`, Sun et al. 2019): clipped to the bound, or left out;
 * 3. aggregates what is left by the rule: `fedavg` (McMahan et al. 2017, capped weights; in a DP round the sum over
 *    the fixed denominator, DP-FedAvg), `median` / `trimmed-mean` (Yin et al. 2018), `krum` / `multi-krum`
 *    (Blanchard et al. 2017; Multi-Krum averages its m selected updates by capped weight, m = n - f when the setting
 *    is 0, and at most n - f), `centered-clip` (Karimireddy et al. 2021, from the previous round's step or zero);
 * 4. scores each counted update by its alignment with a robust reference (`contributionScore`): the coordinate-wise
 *    median of the bounded updates, or the step with fewer than three.
 * The outcome is the step to add to the global model; every added update gets a verdict (see `UpdateVerdict`).
 * Memory: one model per participant (the rules other than FedAvg need every update at once), plus Krum's n x n
 * distances. With DP on only `fedavg` is accepted: the accountant assumes a clipped sum over a fixed denominator, and
 * a rule that selects or reweights updates by their values is outside that analysis. The weight cap and norm bound
 * still apply (they only shrink updates). Note that the adaptive bound of a DP round depends on the other updates.
 */
export class RobustRoundAggregator implements RoundAggregator<Float32Array, Float32Array> {
  #held: { readonly id: string; readonly weight: number; readonly values: Float32Array }[] | null = []
  readonly #ids = new Set<string>()
  #verdicts: ReadonlyMap<string, UpdateVerdict> | null = null
  readonly #config: RobustnessConfig

  constructor(
    readonly length: number,
    config: RobustnessConfig,
    /** DP-FedAvg's denominator (q times the ready clients); null for FedAvg's weighted mean. */
    private readonly denominator: number | null,
    /** Centered clipping's starting point: the previous round's aggregate step; null starts from zero. */
    private readonly previousStep: Float32Array | null = null,
  ) {
    const parsed = robustnessConfigSchema.safeParse(config)
    if (!parsed.success)
      throw new Error(`invalid robustness config: ${parsed.error.message}`, { cause: parsed.error })
    if (denominator !== null && config.aggregator !== 'fedavg')
      throw new Error(
        `a DP round aggregates with 'fedavg' only, not '${config.aggregator}': the privacy accounting assumes a ` +
          'clipped sum over a fixed denominator, and a robust rule selects or reweights updates by their values',
      )
    if (denominator !== null && !(denominator > 0 && Number.isFinite(denominator)))
      throw new Error(`the DP denominator must be positive, got ${denominator}`)
    if (previousStep && previousStep.length !== length)
      throw new Error(`the previous step has ${previousStep.length} values; the model has ${length}`)
    this.#config = parsed.data
  }

  add(update: AcceptedUpdate<Float32Array>): Result<null> {
    const held = this.#held
    if (!held) return fail('invalid-state', 'this round is closed')
    if (this.#ids.has(update.id))
      return fail('duplicate-update', `${update.id} already sent an update this round`)
    const checked = checkPlainUpdate(update, this.length)
    if (!checked.ok) return checked
    this.#ids.add(update.id)
    held.push({ id: update.id, weight: update.weight, values: Float32Array.from(update.payload) })
    return ok(null)
  }

  /**
   * The verdicts of `close`, null before it. Also set when close refused: then it holds the updates left out over the
   * norm bound (every update, when that was the reason), so their refusals can still be recorded.
   */
  get verdicts(): ReadonlyMap<string, UpdateVerdict> | null {
    return this.#verdicts
  }

  close(): Result<RoundClose<Float32Array>> {
    const held = this.#held
    this.#held = null
    if (!held) return fail('invalid-state', 'this round is closed')
    if (held.length === 0) return fail('invalid-state', 'the round closed without updates')
    // Sums in client order, not arrival order: float addition is not associative, and a run is reproducible.
    held.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const config = this.#config
    const weights = weightCap(
      held.map((h) => h.weight),
      config.weightCap,
    )
    const rule = normBoundRule(config)
    const bounded = normBound(
      held.map((h) => h.values),
      rule,
      config.overBound,
    )
    const verdicts = new Map<string, UpdateVerdict>()
    this.#verdicts = verdicts
    const boundName =
      rule.kind === 'adaptive' ? `${rule.multiple} x the round's median norm` : `the fixed bound`
    const kept: Kept[] = []
    bounded.updates.forEach((b, index) => {
      if (b.kind === 'rejected')
        verdicts.set(held[index]!.id, {
          counted: false,
          cause: 'over-bound',
          reason: `its L2 norm ${precise(b.norm)} is over the round's bound ${precise(b.bound)} (${boundName})`,
          score: 0,
        })
      else kept.push({ index, values: b.values, weight: weights[index]! })
    })
    if (kept.length === 0)
      return fail(
        'invalid-state',
        `every update was left out: all ${held.length} L2 norms are over the bound ${precise(bounded.bound)}`,
      )
    const outcome = this.#aggregate(kept)
    if (!outcome.ok) return outcome
    const { step, notSelected, note } = outcome.value
    const bad = firstNonFinite(step)
    if (bad !== -1) return fail('non-finite', `the aggregate is not finite (value ${bad} is ${step[bad]})`)
    // Scores are measured against a robust reference, not the step: under FedAvg an attacker's (bounded) update can
    // dominate the step, and scoring against the step would pay it for that. With three or more updates the
    // coordinate-wise median of the bounded updates (Yin et al. 2018) is that reference.
    const reference = kept.length >= 3 ? coordinateMedian(kept.map((k) => k.values)) : step
    for (const { index, values, weight } of kept) {
      const id = held[index]!.id
      const reason = notSelected.get(index)
      if (reason !== undefined) {
        verdicts.set(id, { counted: false, cause: 'not-selected', reason, score: 0 })
        continue
      }
      const declared = held[index]!.weight
      const b = bounded.updates[index]!
      verdicts.set(id, {
        counted: true,
        weight,
        ...(weight < declared ? { capped: { from: declared, to: weight } } : {}),
        ...(b.kind === 'clipped' ? { clipped: { from: b.from, to: b.to } } : {}),
        score: contributionScore(values, reference),
      })
    }
    const ordered = new Map<string, UpdateVerdict>(held.map((h) => [h.id, verdicts.get(h.id)!]))
    this.#verdicts = ordered
    return ok({ outcome: step, verdicts: ordered, ...(note ? { note } : {}) })
  }

  discard(): void {
    this.#held = null
  }

  #aggregate(kept: readonly Kept[]): Result<RuleOutcome> {
    const config = this.#config
    const values = kept.map((k) => k.values)
    const n = kept.length
    const none = new Map<number, string>()
    switch (config.aggregator) {
      case 'fedavg':
        return ok({ step: this.#weightedMean(kept), notSelected: none })
      case 'median':
        return ok({ step: coordinateMedian(values), notSelected: none })
      case 'trimmed-mean': {
        const k = trimCount(n, config.trimFraction)
        if (n - 2 * k <= 0)
          return fail(
            'invalid-state',
            `the trimmed mean would cut ${k} of ${n} updates at each end (beta ${config.trimFraction}), leaving none`,
          )
        return ok({ step: trimmedMean(values, config.trimFraction), notSelected: none })
      }
      case 'krum':
      case 'multi-krum': {
        const f = config.byzantine
        const refused = krumPrecondition(n, f)
        // Too few updates to tell f outliers apart: the round is averaged by FedAvg within the bounds, and says so.
        if (refused)
          return ok({
            step: this.#weightedMean(kept),
            notSelected: none,
            note: `${refused} (after the norm bound): this round was averaged by FedAvg within the bounds`,
          })
        const m =
          config.aggregator === 'krum'
            ? 1
            : config.multiKrumSelect === 0
              ? n - f
              : Math.min(config.multiKrumSelect, n - f)
        const scores = krumScores(values, f)
        const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b)
        const selected = order.slice(0, m)
        const worstSelected = scores[selected[selected.length - 1]!]!
        const notSelected = new Map<number, string>()
        for (const i of order.slice(m))
          notSelected.set(
            kept[i]!.index,
            `not selected by ${config.aggregator === 'krum' ? 'Krum' : `Multi-Krum (m = ${m})`}: its score ` +
              `${precise(scores[i]!)} is above the selected ${precise(worstSelected)} (f = ${f}, n = ${n})`,
          )
        const step =
          config.aggregator === 'krum'
            ? Float32Array.from(values[selected[0]!]!)
            : this.#weightedMean(selected.map((i) => kept[i]!))
        return ok({ step, notSelected })
      }
      case 'centered-clip':
        return ok({
          step: centeredClip(values, {
            tau: config.clipRadius,
            iterations: config.clipIterations,
            center: this.previousStep,
          }),
          notSelected: none,
        })
      default: {
        const _exhaustive: never = config.aggregator
        return _exhaustive
      }
    }
  }

  /** FedAvg of the given updates by capped weight, or in a DP round their sum over the fixed denominator. */
  #weightedMean(kept: readonly Kept[]): Float32Array {
    const accumulator = new FedAvgAccumulator(this.length)
    for (const k of kept) accumulator.add(k.values, k.weight)
    return this.denominator === null ? accumulator.mean() : accumulator.sumOver(this.denominator)
  }
}

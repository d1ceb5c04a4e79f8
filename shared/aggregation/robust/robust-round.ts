import { firstNonFinite } from '../../codec'
import { fail, ok, type Result } from '../../result'
import { type RobustnessConfig, robustnessConfigSchema } from '../../rounds/config'
import {
  type AcceptedUpdate,
  checkPlainUpdate,
  type RoundAggregator,
  type RoundClose,
  type UpdateVerdict,
} from '../round-aggregator'
import { centeredClipOf } from './centered-clip'
import { contributionScoresOf } from './contribution'
import { coordinateMedianOf } from './coordinate-median'
import { krumPrecondition, krumScoresOf } from './krum'
import { boundDecisions, type NormBoundRule } from './norm-bound'
import { defaultSpanLength, type Rows, readRow, rowNorms, selectedRows } from './rows'
import { trimCount, trimmedMeanOf } from './trimmed-mean'
import { inMemoryUpdates, type UpdateStore, type UpdateStoreFactory } from './update-store'
import { weightCap } from './weight-cap'
import { weightedMeanOf } from './weighted-mean'

/**
 * An update that passed the norm bound: its index in the round (client order), the (capped) weight it counts with,
 * and the factor its values are scaled by (below 1 when clipped to the bound).
 */
interface Kept {
  readonly index: number
  readonly weight: number
  readonly factor: number
}

/** One added update as the round records it; its values are in the round's store, at the same index. */
interface Held {
  readonly id: string
  readonly weight: number
}

/** Where a robust round keeps its updates and how it reads them back. */
export interface RobustRoundOptions {
  /** Makes the round's update store: in memory unless given (the coordinator spills past a budget). */
  readonly store?: UpdateStoreFactory
  /** How many coordinates of each update a pass reads at once; by default about 4 MiB of spans over all updates. */
  readonly spanLength?: number
  /** True when the caller refused non-finite values before `add` (see `checkPlainUpdate`). */
  readonly finiteChecked?: boolean
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
 * validates each update (length, finite values, a positive finite weight, one update per id) and stores it; `close`
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
 * Memory: the updates, in the round's `UpdateStore` (in memory, or past a budget in a file the coordinator keeps),
 * since every rule but FedAvg needs them all at close; close reads them a span of coordinates at a time (`Rows`), so
 * it adds one span per update, Krum's n x n distances, and a model or two (the step, the reference, centered
 * clipping's float64 iterate). Results are the same to the bit whatever the store and span length: every sum runs over
 * the coordinates and the updates in the same order as over whole vectors. With DP on only `fedavg` is accepted:
 * the accountant assumes a clipped sum over a fixed denominator, and a rule that selects or reweights updates by their
 * values is outside that analysis. The weight cap and norm bound
 * still apply (they only shrink updates). Note that the adaptive bound of a DP round depends on the other updates.
 */
export class RobustRoundAggregator implements RoundAggregator<Float32Array, Float32Array> {
  #store: UpdateStore | null
  readonly #held: Held[] = []
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
    private readonly options: RobustRoundOptions = {},
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
    const span = options.spanLength
    if (span !== undefined && !(Number.isInteger(span) && span >= 1))
      throw new Error(`the span length must be a positive integer, got ${span}`)
    this.#config = parsed.data
    this.#store = (options.store ?? inMemoryUpdates)(length)
  }

  add(update: AcceptedUpdate<Float32Array>): Result<null> {
    const store = this.#store
    if (!store) return fail('invalid-state', 'this round is closed')
    if (this.#ids.has(update.id))
      return fail('duplicate-update', `${update.id} already sent an update this round`)
    const checked = checkPlainUpdate(update, this.length, this.options.finiteChecked)
    if (!checked.ok) return checked
    store.add(update.payload)
    this.#ids.add(update.id)
    this.#held.push({ id: update.id, weight: update.weight })
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
    const store = this.#store
    this.#store = null
    if (!store) return fail('invalid-state', 'this round is closed')
    try {
      return this.#close(store)
    } finally {
      store.dispose()
    }
  }

  discard(): void {
    this.#store?.dispose()
    this.#store = null
  }

  /** The span length of a pass over `count` updates. */
  #span(count: number): number {
    return this.options.spanLength ?? defaultSpanLength(count, this.length)
  }

  #close(store: UpdateStore): Result<RoundClose<Float32Array>> {
    if (this.#held.length === 0) return fail('invalid-state', 'the round closed without updates')
    // Sums in client order, not arrival order: float addition is not associative, and a run is reproducible.
    const order = this.#held.map((_, i) => i).sort((a, b) => byId(this.#held[a]!, this.#held[b]!))
    const held = order.map((i) => this.#held[i]!)
    const config = this.#config
    const weights = weightCap(
      held.map((h) => h.weight),
      config.weightCap,
    )
    const rule = normBoundRule(config)
    const norms = rowNorms(selectedRows(store, order), this.#span(held.length))
    const { bound, decisions } = boundDecisions(norms, rule, config.overBound)
    const verdicts = new Map<string, UpdateVerdict>()
    this.#verdicts = verdicts
    const boundName =
      rule.kind === 'adaptive' ? `${rule.multiple} x the round's median norm` : `the fixed bound`
    const kept: Kept[] = []
    decisions.forEach((b, index) => {
      if (b.kind === 'rejected')
        verdicts.set(held[index]!.id, {
          counted: false,
          cause: 'over-bound',
          reason: `its L2 norm ${precise(b.norm)} is over the round's bound ${precise(b.bound)} (${boundName})`,
          score: 0,
        })
      else kept.push({ index, weight: weights[index]!, factor: b.kind === 'clipped' ? b.factor : 1 })
    })
    if (kept.length === 0)
      return fail(
        'invalid-state',
        `every update was left out: all ${held.length} L2 norms are over the bound ${precise(bound)}`,
      )
    // The bounded updates, in client order: read from the store and scaled as they are read.
    const rows = selectedRows(
      store,
      kept.map((k) => order[k.index]!),
      kept.map((k) => k.factor),
    )
    const span = this.#span(kept.length)
    const outcome = this.#aggregate(kept, rows, span)
    if (!outcome.ok) return outcome
    const { step, notSelected, note } = outcome.value
    const bad = firstNonFinite(step)
    if (bad !== -1) return fail('non-finite', `the aggregate is not finite (value ${bad} is ${step[bad]})`)
    // Scores are measured against a robust reference, not the step: under FedAvg an attacker's (bounded) update can
    // dominate the step, and scoring against the step would pay it for that. With three or more updates the
    // coordinate-wise median of the bounded updates (Yin et al. 2018) is that reference (the step itself, under the
    // median rule).
    const reference =
      kept.length < 3 || config.aggregator === 'median' ? step : coordinateMedianOf(rows, span)
    const scores = contributionScoresOf(rows, reference, span)
    kept.forEach(({ index, weight }, k) => {
      const id = held[index]!.id
      const reason = notSelected.get(index)
      if (reason !== undefined) {
        verdicts.set(id, { counted: false, cause: 'not-selected', reason, score: 0 })
        return
      }
      const declared = held[index]!.weight
      const b = decisions[index]!
      verdicts.set(id, {
        counted: true,
        weight,
        ...(weight < declared ? { capped: { from: declared, to: weight } } : {}),
        ...(b.kind === 'clipped' ? { clipped: { from: b.from, to: b.to } } : {}),
        score: scores[k]!,
      })
    })
    const ordered = new Map<string, UpdateVerdict>(held.map((h) => [h.id, verdicts.get(h.id)!]))
    this.#verdicts = ordered
    return ok({ outcome: step, verdicts: ordered, ...(note ? { note } : {}) })
  }

  /** The rule's step over the kept updates (`rows`, in the order of `kept`). */
  #aggregate(kept: readonly Kept[], rows: Rows, span: number): Result<RuleOutcome> {
    const config = this.#config
    const n = kept.length
    const none = new Map<number, string>()
    switch (config.aggregator) {
      case 'fedavg':
        return ok({ step: this.#weightedMean(rows, kept, span), notSelected: none })
      case 'median':
        return ok({ step: coordinateMedianOf(rows, span), notSelected: none })
      case 'trimmed-mean': {
        const k = trimCount(n, config.trimFraction)
        if (n - 2 * k <= 0)
          return fail(
            'invalid-state',
            `the trimmed mean would cut ${k} of ${n} updates at each end (beta ${config.trimFraction}), leaving none`,
          )
        return ok({ step: trimmedMeanOf(rows, config.trimFraction, span), notSelected: none })
      }
      case 'krum':
      case 'multi-krum': {
        const f = config.byzantine
        const refused = krumPrecondition(n, f)
        // Too few updates to tell f outliers apart: the round is averaged by FedAvg within the bounds, and says so.
        if (refused)
          return ok({
            step: this.#weightedMean(rows, kept, span),
            notSelected: none,
            note: `${refused} (after the norm bound): this round was averaged by FedAvg within the bounds`,
          })
        const m =
          config.aggregator === 'krum'
            ? 1
            : config.multiKrumSelect === 0
              ? n - f
              : Math.min(config.multiKrumSelect, n - f)
        const scores = krumScoresOf(rows, f, span)
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
            ? readRow(rows, selected[0]!)
            : this.#weightedMean(
                selectedRows(rows, selected),
                selected.map((i) => kept[i]!),
                span,
              )
        return ok({ step, notSelected })
      }
      case 'centered-clip':
        return ok({
          step: centeredClipOf(
            rows,
            { tau: config.clipRadius, iterations: config.clipIterations, center: this.previousStep },
            span,
          ),
          notSelected: none,
        })
      default: {
        const _exhaustive: never = config.aggregator
        return _exhaustive
      }
    }
  }

  /** FedAvg of the given updates by capped weight, or in a DP round their sum over the fixed denominator. */
  #weightedMean(rows: Rows, kept: readonly Kept[], span: number): Float32Array {
    return weightedMeanOf(
      rows,
      kept.map((k) => k.weight),
      this.denominator,
      span,
    )
  }
}

const byId = (a: Held, b: Held): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

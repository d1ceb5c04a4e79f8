import type { TaskSchema } from '../shared/tasks/schema'
import type { AttackSummary } from './attack'
import type { HeldOutScore } from './centralized'
import type { CsvInput } from './csv-input'

/** What `privx federated` reports: the JSON summary (--json), and what the text report is made from. */
export interface RoundLine {
  readonly round: number
  readonly participants: number
  readonly examples: number
  /** Federation-wide scores of the round's model on the tabs' own held-out rows. */
  readonly loss: number | null
  readonly accuracy: number | null
  readonly f1: number | null
  readonly epsilon: number | null
  readonly bytesUp: number
  readonly durationMs: number | null
  /** Updates counted and left out by the round's aggregation (from its per-update verdicts; absent without them). */
  readonly accepted?: number
  readonly rejected?: number
  /** Of the accepted, those scaled down to the round's norm bound. */
  readonly clipped?: number
}

export interface FederatedSummary {
  readonly data: {
    readonly name: string
    readonly rows: number
    readonly features: number
    readonly testRows: number
    readonly alpha: number | 'iid'
    /** The label's classes; each client's `classShares` and `classShares` of the test split follow this order. */
    readonly classes: readonly string[]
    readonly testClassShares: readonly number[]
    readonly clients: readonly { readonly rows: number; readonly classShares: readonly number[] }[]
    /** With --csv: what was read, as a tab reports it, and the schema it was read with. */
    readonly csv: {
      readonly report: CsvInput['report']
      readonly schemaSource: string
      readonly columns: CsvInput['columns']
      readonly schema: TaskSchema
    } | null
  }
  readonly model: string
  /** What trained: the settings every client and the centralized baseline used. */
  readonly training: {
    readonly rounds: number
    readonly localEpochs: number
    readonly learningRate: number
    readonly batchSize: number
    readonly optimizer: string
  }
  /** Why training stopped before its last round, with what to try (also the first warning); absent when all ran. */
  readonly stopped?: string
  /** Why the result may not be what it seems (no better than the majority class, far below centralized), with the likely cause. */
  readonly warnings: readonly string[]
  readonly rounds: readonly RoundLine[]
  readonly final: {
    readonly federated: HeldOutScore | null
    /** Null when the run was asked to skip the centralized baseline (benches). */
    readonly centralized: HeldOutScore | null
    readonly majority: number
  }
  readonly centralizedRounds: readonly HeldOutScore[]
  /** The global model after each round, scored on the same held-out split as the centralized baseline. */
  readonly federatedRounds: readonly (HeldOutScore | null)[]
  /** Client level: the released models' epsilon; example level: the largest of the clients' row-level epsilons. */
  readonly privacy: {
    readonly level: 'client' | 'example'
    readonly epsilon: number
    readonly delta: number
    readonly budget: number
  } | null
  readonly encryption: string | null
  /** The aggregation rule the coordinator's settings name. */
  readonly aggregator: string
  /** Malicious clients in the run (0 without --byzantine). */
  readonly byzantine: number
  readonly attack: AttackSummary | null
  readonly bytesSent: number
  readonly timings: { readonly federatedMs: number; readonly centralizedMs: number }
  /** dataDir: where the chain is kept (--data-dir), or null when it lived in a temporary directory, now removed. */
  readonly chain: { readonly height: number; readonly verified: boolean; readonly dataDir: string | null }
}

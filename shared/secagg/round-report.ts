import type { ClientId } from './graph'

/**
 * What a masked round tells the page and the record: its phase, who fell out where (U1..U4 of Bonawitz et al.
 * 2017, figure 4), what was refused, why it was abandoned, and, when it finished, the sum and the average.
 */
export type ServerPhase =
  | 'advertise-keys'
  | 'share-keys'
  | 'masked-input'
  | 'unmasking'
  | 'finished'
  | 'abandoned'

export interface Abandonment {
  readonly phase: ServerPhase
  readonly reason: string
}

export interface RoundReport {
  /** Clients that fell out in each phase: no message before its close, or excluded (see `excluded`). */
  readonly dropped: Readonly<
    Record<'advertise-keys' | 'share-keys' | 'masked-input' | 'unmasking', ClientId[]>
  >
  /** Clients excluded for too few live holders, with the reason. */
  readonly excluded: ReadonlyMap<ClientId, string>
  /** Refused messages, sender and reason: the first `MAX_REFUSALS_KEPT` (a flood is not stored). */
  readonly refused: readonly { readonly from: ClientId; readonly reason: string }[]
  /** All refused messages, counted. */
  readonly refusedCount: number
  readonly abandoned: Abandonment | null
}

export interface SecAggOutcome {
  /** The sum mod 2^32 of the survivors' quantized inputs. */
  readonly sum: Uint32Array
  /** sum / |U3|, dequantized: within clamp / (2^(bits-1) - 1) of the survivors' average of clipped inputs. */
  readonly average: Float32Array
  readonly survivors: readonly ClientId[]
  readonly report: RoundReport
}

/** Refusals kept with their reasons; beyond this, only counted (hostile peers may send without end). */
export const MAX_REFUSALS_KEPT = 256

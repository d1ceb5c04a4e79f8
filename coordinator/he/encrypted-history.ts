import type { Binary } from '../../shared/codec'
import { weightsDigest } from '../../shared/model/version'
import type {
  EncryptedAggregateMessage,
  EncryptedCheckpointMessage,
  EncryptedReplayInfo,
  ReplayChunk,
} from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'

/** A global model as the federation holds it. */
export interface ClearModel {
  readonly round: number
  readonly version: string
  readonly weights: Float32Array
}

/** How much one replay part may carry: ciphertexts (socket.io attachments) and bytes. */
export interface ReplayLimits {
  readonly ciphertexts: number
  readonly bytes: number
}

const bytesOf = (ciphertexts: readonly Binary[]): number => ciphertexts.reduce((n, c) => n + c.byteLength, 0)

/**
 * What a late tab replays to reach the current model under encryption: the last model seen in the clear, the latest
 * checkpoint a key holder encrypted (vouched for by the other tabs, `checkpoint-collector.ts`), and the aggregates
 * released after it. A checkpoint compacts the history: the aggregates it covers are dropped, so a late tab needs
 * one checkpoint and at most about `checkpointEvery` aggregates, however many rounds ran, and the coordinator's
 * memory stays bounded. Replay goes in parts a tab asks for one after another (`chunk`).
 */
export class EncryptedHistory {
  #checkpoint: EncryptedCheckpointMessage | null = null
  #aggregates: EncryptedAggregateMessage[] = []
  #released = 0
  #lastSumHash: string | null = null

  constructor(readonly base: ClearModel) {}

  /** Aggregates released since the model in the clear (checkpoints do not change it). */
  get released(): number {
    return this.#released
  }

  /** Aggregates a late tab applies after the checkpoint (or the model in the clear). */
  get pending(): number {
    return this.#aggregates.length
  }

  get latestAggregate(): EncryptedAggregateMessage | null {
    return this.#aggregates.at(-1) ?? null
  }

  /** Bytes of the aggregates held after the checkpoint. */
  get pendingBytes(): number {
    return this.#aggregates.reduce((n, a) => n + bytesOf(a.ciphertexts), 0)
  }

  get checkpoint(): EncryptedCheckpointMessage | null {
    return this.#checkpoint
  }

  /** The 64-hex hash the chain names the current model by: the last sum's, or the clear model's digest. */
  get currentHash(): string {
    return this.#lastSumHash ?? weightsDigest(this.base.weights)
  }

  push(aggregate: EncryptedAggregateMessage): void {
    this.#aggregates.push(aggregate)
    this.#released++
    this.#lastSumHash = aggregate.sumHash
  }

  /** Whether `version` is a model a late tab can still reach (a checkpoint can be taken of it). */
  holds(version: string): boolean {
    return this.#aggregates.some((a) => a.version === version)
  }

  /** Makes `checkpoint` the replay's start: the aggregates up to its version are no longer kept. */
  compact(checkpoint: EncryptedCheckpointMessage): Result<null> {
    const index = this.#aggregates.findIndex((a) => a.version === checkpoint.version)
    if (index === -1) {
      return fail('stale-round', `model ${checkpoint.version} is not in the encrypted history`)
    }
    this.#checkpoint = checkpoint
    this.#aggregates = this.#aggregates.slice(index + 1)
    return ok(null)
  }

  info(): EncryptedReplayInfo {
    return { checkpointRound: this.#checkpoint?.round ?? null, aggregates: this.#aggregates.length }
  }

  /**
   * The part of the replay after `after` (a version the tab holds; null: from the start). Each part holds at least
   * one item and otherwise stays within `limits`. A version compacted away since is refused as stale: the tab starts
   * again from null, which begins at the newer checkpoint.
   */
  chunk(after: string | null, limits: ReplayLimits): Result<ReplayChunk> {
    let start: number
    let checkpoint: EncryptedCheckpointMessage | null = null
    if (after === null) {
      start = 0
      checkpoint = this.#checkpoint
    } else if (after === this.#checkpoint?.version) {
      start = 0
    } else {
      const index = this.#aggregates.findIndex((a) => a.version === after)
      if (index === -1) {
        return fail(
          'stale-round',
          `model ${after} is no longer in the encrypted history (${this.#checkpoint ? `a checkpoint of round ${this.#checkpoint.round} replaced it` : 'it was never released'}); replay from the start`,
        )
      }
      start = index + 1
    }
    let ciphertexts = checkpoint?.ciphertexts.length ?? 0
    let bytes = checkpoint ? bytesOf(checkpoint.ciphertexts) : 0
    const aggregates: EncryptedAggregateMessage[] = []
    for (let i = start; i < this.#aggregates.length; i++) {
      const next = this.#aggregates[i]!
      const nextBytes = bytesOf(next.ciphertexts)
      const empty = checkpoint === null && aggregates.length === 0
      if (
        !empty &&
        (ciphertexts + next.ciphertexts.length > limits.ciphertexts || bytes + nextBytes > limits.bytes)
      )
        break
      aggregates.push(next)
      ciphertexts += next.ciphertexts.length
      bytes += nextBytes
    }
    return ok({ checkpoint, aggregates, more: start + aggregates.length < this.#aggregates.length })
  }
}

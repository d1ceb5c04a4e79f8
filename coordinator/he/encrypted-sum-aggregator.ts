import type {
  AcceptedUpdate,
  RoundAggregator,
  RoundClose,
  UpdateVerdict,
} from '../../shared/aggregation/round-aggregator'
import { HeError } from '../../shared/he/errors'
import type { EncryptedVector } from '../../shared/he/vector'
import { fail, ok, type Result } from '../../shared/result'
import type { EncryptedAggregator } from './encrypted-aggregator'

/** An encrypted round's outcome: the ciphertexts of the weighted sum, the weight to divide by, the bytes it took. */
export interface EncryptedSum {
  readonly ciphertexts: readonly Uint8Array[]
  readonly totalWeight: number
  readonly bytesIn: number
}

/**
 * A round aggregated under homomorphic encryption: each loaded upload is added into one running ciphertext sum and
 * freed, so memory is one encrypted model whatever the number of clients. The coordinator never decrypts (it holds
 * no key); key-holding tabs divide the decrypted sum by `totalWeight`.
 */
export class EncryptedSumAggregator implements RoundAggregator<EncryptedVector, EncryptedSum> {
  #weight = 0
  #closed = false
  readonly #counted = new Map<string, UpdateVerdict>()

  constructor(private readonly sum: EncryptedAggregator) {}

  add(update: AcceptedUpdate<EncryptedVector>): Result<null> {
    if (this.#closed) {
      update.payload.delete()
      return fail('invalid-state', 'this round is closed')
    }
    this.sum.add(update.payload)
    this.#weight += update.weight
    this.#counted.set(update.id, { counted: true })
    return ok(null)
  }

  close(): Result<RoundClose<EncryptedSum>> {
    if (this.#closed) return fail('invalid-state', 'this round is closed')
    this.#closed = true
    const bytesIn = this.sum.bytesIn
    try {
      const ciphertexts = this.sum.finish()
      return ok({ outcome: { ciphertexts, totalWeight: this.#weight, bytesIn }, verdicts: this.#counted })
    } catch (error) {
      if (error instanceof HeError) return fail('invalid-state', error.message)
      throw error
    }
  }

  discard(): void {
    this.#closed = true
    this.sum.discard()
  }
}

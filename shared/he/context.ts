import type { BatchEncoder, CKKSEncoder, Evaluator, SEALContext } from 'node-seal'
import { HeError } from './errors'
import { type HeParameters, parametersId, slotCount, validateParameters } from './parameters'
import { type Seal, sealCall } from './seal'

/**
 * A SEAL context with its encoder and evaluator: what anyone holding no key needs to add or multiply ciphertexts.
 * Owns WASM memory: call `delete()` when done (contexts are meant to live for a session, not a round).
 */
export class HeContext {
  readonly id: string
  readonly slots: number
  readonly context: SEALContext
  readonly evaluator: Evaluator
  readonly batchEncoder: BatchEncoder | null
  readonly ckksEncoder: CKKSEncoder | null
  /** CKKS encoding scale, 2^scaleBits; 1 for BFV. */
  readonly scale: number
  #deleted = false

  private constructor(
    readonly seal: Seal,
    readonly params: HeParameters,
  ) {
    this.id = parametersId(params)
    this.slots = slotCount(params)
    const n = params.polyModulusDegree
    const parms = new seal.EncryptionParameters(
      params.scheme === 'bfv' ? seal.SchemeType.bfv : seal.SchemeType.ckks,
    )
    try {
      parms.setPolyModulusDegree(n)
      parms.setCoeffModulus(
        sealCall(seal, 'coefficient modulus', () =>
          seal.CoeffModulus.Create(n, Int32Array.from(params.coeffModulusBits)),
        ),
      )
      if (params.scheme === 'bfv') {
        parms.setPlainModulus(
          sealCall(seal, 'plain modulus', () => seal.PlainModulus.Batching(n, params.plainModulusBits)),
        )
      }
      this.context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128)
    } finally {
      parms.delete()
    }
    if (!this.context.parametersSet()) {
      this.context.delete()
      throw new HeError('invalid-parameters', `SEAL rejected the parameters ${this.id}`)
    }
    this.evaluator = new seal.Evaluator(this.context)
    this.batchEncoder = params.scheme === 'bfv' ? new seal.BatchEncoder(this.context) : null
    this.ckksEncoder = params.scheme === 'ckks' ? new seal.CKKSEncoder(this.context) : null
    this.scale = params.scheme === 'ckks' ? 2 ** params.scaleBits : 1
  }

  /** Validates the parameters (clear errors, before SEAL sees them) and builds the context. */
  static create(seal: Seal, params: HeParameters): HeContext {
    return new HeContext(seal, validateParameters(params))
  }

  get deleted(): boolean {
    return this.#deleted
  }

  /** Throws unless this context is alive and is the one `id` names. */
  check(id: string, what: string): void {
    if (this.#deleted) throw new HeError('deleted', `${what}: the HE context was deleted`)
    if (id !== this.id) {
      throw new HeError('context-mismatch', `${what} belongs to context ${id}, not ${this.id}`)
    }
  }

  delete(): void {
    if (this.#deleted) return
    this.#deleted = true
    this.batchEncoder?.delete()
    this.ckksEncoder?.delete()
    this.evaluator.delete()
    this.context.delete()
  }
}

import type { CheckpointUpload } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import type { ClientId } from '../../shared/rounds/state'

/** A checkpoint asked for: of which model, from which key holder, when. */
export interface CheckpointAsk {
  readonly round: number
  readonly version: string
  readonly holder: ClientId
  readonly at: number
}

/** How long a holder has to send the checkpoint it was asked for before another is asked. */
export const CHECKPOINT_TIMEOUT_MS = 60_000

/** Versions whose digests are kept (the tabs' evaluations of recent models). */
const DIGEST_VERSIONS = 8

export type CheckpointVerdict =
  | {
      readonly kind: 'accept'
      readonly upload: CheckpointUpload
      readonly from: ClientId
      readonly vouchers: number
    }
  | { readonly kind: 'reject'; readonly from: ClientId; readonly reason: string }

/**
 * Getting a trustworthy encrypted checkpoint without reading it. The coordinator cannot decrypt a checkpoint, so it
 * checks what it can (the asked holder, the model version, the ciphertexts' form: the caller) and lets the other
 * tabs vouch for its content: every tab reports the SHA-256 of each model it evaluates, and under BFV, whose
 * decryption is exact, every honest key holder holds the same bits. Only key holders' digests count (the caller), and
 * the uploader's counts for it: a checkpoint is taken once another holder reported its digest and more than half of
 * the holders that report digests hold it; one that more than half of them contradict is refused and another holder
 * asked. A minority of liars cannot get an honest checkpoint refused, whatever the order their digests come in.
 * Under CKKS each tab's decryption is flooded with its own noise (`ckks-release.ts`), so the digests differ by design
 * and the checkpoint is taken on its holder's word, like the key envelopes any holder seals.
 */
export class CheckpointCollector {
  #ask: CheckpointAsk | null = null
  #candidate: { upload: CheckpointUpload; from: ClientId } | null = null
  readonly #digests = new Map<string, Map<ClientId, string>>()

  constructor(
    /** Aggregates after which a new checkpoint is asked for. */
    readonly every: number,
  ) {}

  get asked(): CheckpointAsk | null {
    return this.#ask
  }

  /** Whether to ask for a checkpoint now, with `pending` aggregates after the last one. */
  due(pending: number, now: number): boolean {
    if (pending < this.every) return false
    return this.#ask === null || now - this.#ask.at > CHECKPOINT_TIMEOUT_MS
  }

  ask(request: CheckpointAsk): void {
    this.#ask = request
    this.#candidate = null
  }

  /** A tab's digest of a model it evaluated. */
  vouch(id: ClientId, version: string, digest: string): void {
    let byTab = this.#digests.get(version)
    if (!byTab) {
      byTab = new Map()
      this.#digests.set(version, byTab)
      for (const old of this.#digests.keys()) {
        if (this.#digests.size <= DIGEST_VERSIONS) break
        this.#digests.delete(old)
      }
    }
    byTab.set(id, digest)
  }

  /** The asked holder's upload; the caller has checked its ciphertexts. */
  offer(from: ClientId, upload: CheckpointUpload): Result<null> {
    const ask = this.#ask
    if (!ask || ask.holder !== from) return fail('invalid-state', `${from} was not asked for a checkpoint`)
    if (upload.version !== ask.version || upload.round !== ask.round) {
      return fail(
        'stale-round',
        `the checkpoint asked for is of model ${ask.version} (round ${ask.round}), not ${upload.version}`,
      )
    }
    this.#candidate = { upload, from }
    return ok(null)
  }

  /**
   * The verdict on the candidate, once there is one: `exact` says whether tabs' digests must agree (BFV);
   * `holders` is how many tabs hold the key. Null while it waits for tabs to vouch.
   */
  settle(exact: boolean, holders: number): CheckpointVerdict | null {
    const candidate = this.#candidate
    if (!candidate) return null
    const others = [...(this.#digests.get(candidate.upload.version) ?? new Map<ClientId, string>())].filter(
      ([id]) => id !== candidate.from,
    )
    const agree = others.filter(([, digest]) => digest === candidate.upload.digest).length
    const disagree = others.length - agree
    // The tabs that vouch (a holder without data never does): a side that has more than half of them decides.
    const voters = new Set([candidate.from])
    for (const byTab of this.#digests.values()) for (const id of byTab.keys()) voters.add(id)
    const half = voters.size / 2
    let verdict: CheckpointVerdict | null = null
    if (!exact || holders <= 1 || (agree >= 1 && agree + 1 > half)) {
      verdict = { kind: 'accept', upload: candidate.upload, from: candidate.from, vouchers: agree }
    } else if (disagree > half) {
      verdict = {
        kind: 'reject',
        from: candidate.from,
        reason: `its digest ${candidate.upload.digest.slice(0, 12)} matches ${agree} of the ${others.length} other tabs' digests of model ${candidate.upload.version}`,
      }
    }
    if (verdict) {
      this.#candidate = null
      this.#ask = null
    }
    return verdict
  }

  /** A tab left: an ask it was to answer lapses. */
  leave(id: ClientId): void {
    if (this.#ask?.holder === id) {
      this.#ask = null
      this.#candidate = null
    }
    for (const byTab of this.#digests.values()) byTab.delete(id)
  }

  clear(): void {
    this.#ask = null
    this.#candidate = null
    this.#digests.clear()
  }
}

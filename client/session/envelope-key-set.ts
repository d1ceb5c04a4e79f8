import { bytesToHex } from '../../shared/chain/encoding'
import {
  keySetFingerprint,
  type SignedEnvelopeKey,
  verifyEnvelopeKey,
} from '../../shared/he/envelope-identity'

/** Entries read from one key-set message; beyond it the rest are ignored (a task of more tabs is not compared). */
export const MAX_KEY_SET = 2000

/** What a tab shows of the task's envelope keys: the fingerprint to compare out of band, and who is in the set. */
export interface KeySetView {
  /** `keySetFingerprint` of the verified entries, e.g. "3f2a 91c0 7be4 0d15 a9c2". */
  readonly fingerprint: string
  /** The accounts in the set (Ed25519 public keys, hex), sorted; tabs of one browser share one account. */
  readonly accounts: readonly string[]
  /** Signed envelope keys in the set (one a tab). */
  readonly keys: number
  /** Entries whose signature did not verify, or malformed (left out of the set and the fingerprint). */
  readonly invalid: number
  /** Whether this tab's own key is in the set as shown (other tabs seal to it only then). */
  readonly includesSelf: boolean
}

const isEntry = (x: unknown): x is SignedEnvelopeKey =>
  typeof x === 'object' &&
  x !== null &&
  ['account', 'envelopeKey', 'signature'].every((k) => typeof (x as Record<string, unknown>)[k] === 'string')

/**
 * The task's envelope keys as this tab was shown them (`he:key-set`), each kept only when its account's signature
 * verifies (`shared/he/envelope-identity.ts`). The tab seals the HE secret key only to a key in it, under the account
 * the coordinator names, and opens an envelope only from a sender key in it. A signature is checked once (cached),
 * so a growing task costs one verification per new tab.
 */
export class EnvelopeKeySet {
  /** `account:envelopeKey` of each verified entry. */
  #pairs = new Set<string>()
  #keys = new Set<string>()
  readonly #checked = new Map<string, boolean>()

  constructor(readonly taskId: string) {}

  /** Replaces the set with the verified entries of `entries` (anything malformed counts as invalid). */
  update(entries: unknown, self: { account: string; envelopeKey: Uint8Array }): KeySetView {
    const list = Array.isArray(entries) ? entries.slice(0, MAX_KEY_SET) : []
    const verified = new Map<string, { account: string; envelopeKey: string }>()
    let invalid = 0
    for (const entry of list) {
      if (!isEntry(entry) || !this.#verified(entry)) {
        invalid += 1
        continue
      }
      verified.set(`${entry.account}:${entry.envelopeKey}`, {
        account: entry.account,
        envelopeKey: entry.envelopeKey,
      })
    }
    const pairs = [...verified.values()]
    this.#pairs = new Set(verified.keys())
    this.#keys = new Set(pairs.map((p) => p.envelopeKey))
    return {
      fingerprint: keySetFingerprint(this.taskId, pairs),
      accounts: [...new Set(pairs.map((p) => p.account))].sort(),
      keys: pairs.length,
      invalid,
      includesSelf: this.#pairs.has(`${self.account}:${bytesToHex(self.envelopeKey)}`),
    }
  }

  /** Why this tab must not seal to `key` for `account`, or null when the set holds that pair, signed. */
  recipientProblem(account: string | undefined, key: Uint8Array): string | null {
    if (!account) return 'the coordinator named no account for the recipient key (unsigned envelope key)'
    if (this.#pairs.has(`${account}:${bytesToHex(key)}`)) return null
    return [...this.#pairs].some((p) => p.startsWith(`${account}:`))
      ? `the recipient key is not one account ${account.slice(0, 12)}… signed (a swapped envelope key)`
      : `account ${account.slice(0, 12)}… has no signed envelope key in this task's key set`
  }

  /** Why this tab must not open an envelope from `senderKey`, or null when a participant signed that key. */
  senderProblem(senderKey: Uint8Array): string | null {
    return this.#keys.has(bytesToHex(senderKey))
      ? null
      : "the envelope's sender key is not a signed key of this task's key set"
  }

  #verified(entry: SignedEnvelopeKey): boolean {
    const id = `${entry.account}:${entry.envelopeKey}:${entry.signature}`
    let ok = this.#checked.get(id)
    if (ok === undefined) {
      ok = verifyEnvelopeKey(this.taskId, entry)
      if (this.#checked.size < 4 * MAX_KEY_SET) this.#checked.set(id, ok)
    }
    return ok
  }
}

import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { Json } from '../../shared/chain/encoding'
import type { KeyPair } from '../../shared/chain/keys'
import { signTransaction } from '../../shared/chain/transaction'
import { bytesOf, decodeFloat32 } from '../../shared/codec'
import { errorMessage } from '../../shared/errors'
import { type EnvelopeKeyPair, openEnvelope, sealEnvelope } from '../../shared/he/key-envelope'
import { proveIdentity } from '../../shared/identity/proof'
import { marketCopy } from '../../shared/market/anonymized-copy'
import { copyHash } from '../../shared/market/copy-hash'
import { copyUtility } from '../../shared/market/copy-utility'
import { dpSummary } from '../../shared/market/dp-summary'
import {
  copyChargeOf,
  DEFAULT_EPSILON_BUDGET,
  DEFAULT_TRAINING_EPSILON,
} from '../../shared/market/epsilon-ledger'
import {
  type DatasetView,
  type PurchasedModel,
  purchasedModelSchema,
  type WalletView,
} from '../../shared/market/protocol'
import { sealedHash } from '../../shared/market/sealed-hash'
import type { SearchQuery, SearchResult } from '../../shared/market/search'
import type { MarketStatistics } from '../../shared/market/statistics'
import type { CopyKind, DatasetCategory, Purchase, SaleKind } from '../../shared/market/types'
import { weightsDigest } from '../../shared/model/version'
import { parsePayload } from '../../shared/parse'
import type { DataFrame } from '../../shared/privacy/dataframe'
import type { KeyEnvelopeMessage } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import type { TaskSchema } from '../../shared/tasks/schema'
import { fetchAccount, sendTransaction } from '../session/chain-client'
import type { ClientSocket } from '../session/client-socket'
import { request } from '../session/request'
import { copyKey, type KeptCopies, memoryCopies } from './kept-copies'

const noEnvelope = () =>
  fail(
    'invalid-state',
    'copies are sealed with WebCrypto, which needs a secure context: open the market over https or on localhost',
  )

/** Fewer rows than this make no useful held-out split: the listing then shows no utility. */
const MIN_UTILITY_ROWS = 20

/**
 * Both kinds of copy's utility at the listing's copy epsilon; none where the data cannot be synthesized. The held-out
 * count is a fixed share of the rows, so it is published to two significant digits (the exact count is not).
 */
function listingUtility(frame: DataFrame, draft: ListingDraft) {
  try {
    const utility = copyUtility(frame, draft.schema, draft.copyEpsilon)
    return { ...utility, heldOut: Number(utility.heldOut.toPrecision(2)) }
  } catch {
    return undefined
  }
}

/** The additional data a sealed copy is bound to: it opens only as this purchase's copy. */
const copyContext = (purchaseId: string) => `privx-market/copy/${purchaseId}`

export interface ListingDraft {
  readonly name: string
  readonly description: string
  readonly category: DatasetCategory
  readonly tags: readonly string[]
  readonly schema: TaskSchema
  readonly licence: string
  readonly copyPrice: number | null
  readonly trainingPrice: number | null
  readonly copyEpsilon: number
  readonly trainingRounds: number
  /** Epsilon spent on the listing's DP summary. */
  readonly summaryEpsilon: number
  /** Epsilon every release of the rows may spend together; `DEFAULT_EPSILON_BUDGET` unless given. */
  readonly epsilonBudget?: number
  /** Epsilon of one bought training run (with training for sale); `DEFAULT_TRAINING_EPSILON` unless given. */
  readonly trainingEpsilon?: number
}

/**
 * One participant's market client (a page, the CLI, a test): reads go through `market:*` events, every change is a
 * transaction signed with the participant's key. Data stays with its owner: summaries and anonymized copies are
 * computed here from the frame the owner loaded, and a copy leaves sealed to the buyer's envelope key.
 */
export class MarketClient {
  constructor(
    readonly socket: ClientSocket,
    readonly keys: KeyPair,
    /**
     * This participant's envelope key pair: copies bought are sealed to its public half. Null where WebCrypto is
     * unavailable (an insecure context): everything but copies still works.
     */
    readonly envelope: EnvelopeKeyPair | null,
    /** The copies this participant made as a provider: each is made once and resold (a page keeps them in IndexedDB). */
    readonly copies: KeptCopies = memoryCopies(),
  ) {}

  #send(type: string, payload: Json) {
    return sendTransaction(this.socket, this.keys, type, payload)
  }

  search(query: SearchQuery): Promise<Result<SearchResult>> {
    return request(this.socket, 'market:search', query)
  }

  dataset(datasetId: string): Promise<Result<DatasetView>> {
    return request(this.socket, 'market:dataset', { datasetId })
  }

  statistics(): Promise<Result<MarketStatistics>> {
    return request(this.socket, 'market:statistics', {})
  }

  wallet(address = this.keys.address): Promise<Result<WalletView>> {
    return request(this.socket, 'market:wallet', { address })
  }

  claimTokens() {
    return this.#send('token.claim', {})
  }

  registerProvider(name: string, description = '') {
    return this.#send('market.register-provider', { name, description })
  }

  registerConsumer(name: string) {
    return this.#send('market.register-consumer', { name })
  }

  /**
   * Lists a dataset with a DP summary of `frame` computed here at `draft.summaryEpsilon`, under an epsilon budget;
   * the rows stay here, and their exact count is not sent (the summary's DP count stands for it).
   */
  listDataset(frame: DataFrame, draft: ListingDraft) {
    const { summaryEpsilon, epsilonBudget, trainingEpsilon, ...rest } = draft
    const rows = frame.get(draft.schema.label.name)?.length ?? 0
    const summary = dpSummary(frame, draft.schema, summaryEpsilon)
    const utility =
      draft.copyPrice !== null && rows >= MIN_UTILITY_ROWS ? listingUtility(frame, draft) : undefined
    return this.#send('market.list-dataset', {
      ...rest,
      tags: [...rest.tags],
      summary,
      epsilonBudget: epsilonBudget ?? DEFAULT_EPSILON_BUDGET,
      ...(draft.trainingPrice !== null
        ? { trainingEpsilon: trainingEpsilon ?? DEFAULT_TRAINING_EPSILON }
        : {}),
      ...(utility ? { utility } : {}),
    } as unknown as Json)
  }

  delist(datasetId: string) {
    return this.#send('market.delist', { datasetId })
  }

  /** Buys a copy (of `copyKind`, per-row unless told) or training access. */
  purchase(datasetId: string, kind: SaleKind, copyKind: CopyKind = 'per-row') {
    if (kind === 'copy' && !this.envelope) return Promise.resolve(noEnvelope())
    const payload: Json =
      kind === 'copy'
        ? { datasetId, kind, copyKind, buyerKey: bytesToHex(this.envelope!.publicKey) }
        : { datasetId, kind }
    return this.#send('market.purchase', payload)
  }

  cancel(purchaseId: string) {
    return this.#send('market.cancel', { purchaseId })
  }

  rate(purchaseId: string, stars: number, comment = '') {
    return this.#send('market.rate', { purchaseId, stars, comment })
  }

  /**
   * Delivers a bought copy of the kind the buyer chose (per-row on purchases that name none) at the listing's
   * epsilon, seals the CSV to the buyer's envelope key, and sends the sealed bytes with the signed `market.deliver`
   * naming their hash. On a listing with a budget the copy is made from `frame` once per (kind, epsilon), kept
   * (`copies`) and resold: the transaction names its `copyHash`, which the chain holds every sale of it to.
   */
  async deliverCopy(purchase: Purchase, frame: DataFrame, schema: TaskSchema, epsilon: number) {
    if (!purchase.buyerKey) return fail('invalid-state', `${purchase.purchaseId} has no buyer key`)
    if (!this.envelope) return noEnvelope()
    const copy = await this.#copyFor(purchase, () =>
      marketCopy(frame, schema, epsilon, purchase.copyKind ?? 'per-row'),
    )
    if (!copy.ok) return copy
    const { csv, hash } = copy.value
    const sealed = await sealEnvelope(
      this.envelope,
      hexToBytes(purchase.buyerKey),
      new TextEncoder().encode(csv),
      copyContext(purchase.purchaseId),
    )
    const message: KeyEnvelopeMessage = {
      senderPublicKey: sealed.senderPublicKey,
      iv: sealed.iv,
      ciphertext: sealed.ciphertext,
    }
    const account = await fetchAccount(this.socket, this.keys.address)
    if (!account.ok) return account
    const tx = signTransaction(this.keys, {
      chainId: account.value.chainId,
      nonce: account.value.nonce,
      type: 'market.deliver',
      payload: {
        purchaseId: purchase.purchaseId,
        deliveryHash: sealedHash(message),
        ...(hash ? { copyHash: hash } : {}),
      },
      timestamp: Date.now(),
    })
    const room = await request(this.socket, 'client:upload', {
      kind: 'copy',
      purchaseId: purchase.purchaseId,
      bytes: bytesOf(message.ciphertext).byteLength,
    })
    if (!room.ok) return room
    return request(this.socket, 'market:deliver', { tx, sealed: message })
  }

  /**
   * The copy a sale delivers, with the hash to name: a fresh one on listings without a budget (no hash); otherwise
   * the one kept for the listing's (kind, epsilon), made and kept at its first sale. Refused here when the chain
   * already names a copy of that kind that this participant does not keep (a new one would not be accepted).
   */
  async #copyFor(
    purchase: Purchase,
    make: () => { csv: string; epsilon: number },
  ): Promise<Result<{ csv: string; hash: string | null }>> {
    const charged = purchase.copyEpsilon
    if (charged === undefined) return ok({ csv: make().csv, hash: null })
    const page = await this.dataset(purchase.datasetId)
    if (!page.ok) return page
    const listing = page.value.listing
    const kind = purchase.copyKind ?? 'per-row'
    const key = copyKey(listing.txId, kind, charged)
    const sold = copyChargeOf(listing, kind)?.copyHash
    const kept = await this.copies.get(key)
    if (sold && (kept === null || copyHash(kept) !== sold)) {
      return fail(
        'invalid-state',
        `the ${kind} copy of ${listing.datasetId} sold before (${sold.slice(0, 12)}…) is not kept here: deliver from the browser that made it (a new copy would spend epsilon again)`,
      )
    }
    // A copy made now must not spend more than the sale charged; one that would is neither kept nor delivered.
    const checked = () => {
      const made = make()
      if (made.epsilon > charged * (1 + 1e-9))
        throw new RangeError(`the copy spent epsilon ${made.epsilon}, the sale charged ${charged}`)
      return made.csv
    }
    try {
      const csv = await this.#keptCopy(key, checked)
      return ok({ csv, hash: copyHash(csv) })
    } catch (error) {
      return fail('invalid-state', `${errorMessage(error)}: not delivered`)
    }
  }

  /** Copies being made, by key: two deliveries at once make one copy. */
  readonly #making = new Map<string, Promise<string>>()

  /** The copy kept under `key`, made (and kept) if there is none yet. */
  #keptCopy(key: string, make: () => string): Promise<string> {
    const pending = this.#making.get(key)
    if (pending) return pending
    const made = (async () => (await this.copies.get(key)) ?? this.copies.keep(key, make()))()
    this.#making.set(key, made)
    return made.finally(() => this.#making.delete(key))
  }

  /**
   * Fetches and opens a delivered copy bought by this participant: the anonymized CSV text, checked against the
   * `copyHash` the chain records for the purchase (every sale of the copy has the same).
   */
  async fetchCopy(purchaseId: string): Promise<Result<string>> {
    if (!this.envelope) return noEnvelope()
    const sealed = await request(this.socket, 'market:delivery', { purchaseId })
    if (!sealed.ok) return sealed
    const opened = await this.#open(purchaseId, sealed.value)
    if (!opened.ok) return opened
    const wallet = await this.wallet()
    const named = wallet.ok
      ? wallet.value.purchases.find((p) => p.purchaseId === purchaseId)?.copyHash
      : undefined
    if (named && copyHash(opened.value) !== named) {
      return fail(
        'bad-payload',
        `the copy of ${purchaseId} hashes to ${copyHash(opened.value).slice(0, 12)}…, the chain names ${named.slice(0, 12)}…`,
      )
    }
    return opened
  }

  async #open(purchaseId: string, sealed: KeyEnvelopeMessage): Promise<Result<string>> {
    if (!this.envelope) return noEnvelope()
    try {
      const plain = await openEnvelope(
        this.envelope,
        {
          senderPublicKey: bytesOf(sealed.senderPublicKey),
          iv: bytesOf(sealed.iv),
          ciphertext: bytesOf(sealed.ciphertext),
        },
        copyContext(purchaseId),
      )
      return ok(new TextDecoder().decode(plain))
    } catch (error) {
      return fail('unauthorized', errorMessage(error))
    }
  }

  /**
   * The model trained for a training purchase of this participant: a snapshot while training continues, the final
   * model once the purchase is settled. The reply is checked here: its shape, and that the weights hash to the
   * `modelHash` it names and to the chain record it cites.
   */
  async fetchModel(purchaseId: string): Promise<Result<PurchasedModel & { values: Float32Array }>> {
    const challenge = await request(this.socket, 'client:challenge', {})
    if (!challenge.ok) return challenge
    const model = await request(this.socket, 'market:model', {
      purchaseId,
      publicKey: this.keys.publicKey,
      proof: proveIdentity(this.keys, 'privx-model-request', challenge.value, purchaseId),
    })
    if (!model.ok) return model
    const reply = parsePayload(purchasedModelSchema, model.value, 'model reply')
    if (!reply.ok) return reply
    const values = decodeFloat32(reply.value.weights)
    if (!values.ok) return values
    const digest = weightsDigest(values.value)
    const { modelHash, recorded } = reply.value
    if (digest !== modelHash || (recorded && recorded.modelAfter !== digest)) {
      return fail(
        'bad-payload',
        `the model's weights hash to ${digest.slice(0, 12)}…, the reply names ${modelHash.slice(0, 12)}…${recorded ? ` and its chain record ${recorded.modelAfter.slice(0, 12)}…` : ''}`,
      )
    }
    return ok({ ...reply.value, values: values.value })
  }
}

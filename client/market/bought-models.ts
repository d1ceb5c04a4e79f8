import { boughtModelDocument, boughtModelFileName, majorityWarning } from '../../shared/market/bought-model'
import type { PurchasedModel, WalletView } from '../../shared/market/protocol'

/** A model fetched for a training purchase, ready to download: what it is, its file name and its document. */
export interface FetchedModel {
  readonly about: Omit<PurchasedModel, 'weights'>
  readonly fileName: string
  /** The downloaded JSON: the weights with their task, round, hash, chain record, quality and settings. */
  readonly json: string
  /** Set when the model is no better than the majority class. */
  readonly warning: string | null
  readonly values: Float32Array
}

function fetchedModel(about: FetchedModel['about'], values: Float32Array): FetchedModel {
  return {
    about,
    fileName: boughtModelFileName(about),
    json: JSON.stringify(boughtModelDocument(about, values)),
    warning: majorityWarning(about.quality),
    values,
  }
}

/**
 * The models this page fetched for its training purchases. A fetched model stays offered only while the coordinator
 * still holds it as fetched: once a later round replaces it, or the purchase is settled (a snapshot becomes the
 * final model), its link is withdrawn and `replaced` says what changed.
 */
export class BoughtModels {
  readonly #models = new Map<string, FetchedModel>()
  readonly #replaced = new Map<string, { readonly about: FetchedModel['about']; readonly text: string }>()

  get(purchaseId: string): FetchedModel | undefined {
    return this.#models.get(purchaseId)
  }

  /** Why the model fetched earlier is no longer offered, and what the coordinator holds now; until the next fetch. */
  replaced(purchaseId: string): string | undefined {
    return this.#replaced.get(purchaseId)?.text
  }

  add(purchaseId: string, model: PurchasedModel & { values: Float32Array }): FetchedModel {
    const { values, weights: _bytes, ...about } = model
    const fetched = fetchedModel(about, values)
    this.#models.set(purchaseId, fetched)
    this.#replaced.delete(purchaseId)
    return fetched
  }

  /** Withdraws every fetched model the wallet shows to be out of date; true when one was (or a note changed). */
  sync(wallet: WalletView): boolean {
    let changed = false
    for (const [purchaseId, fetched] of this.#models) {
      const progress = wallet.purchases.find((p) => p.purchaseId === purchaseId)?.training
      const now = progress?.model
      const stage = progress?.finished ? 'final' : 'snapshot'
      if (now && now.version === fetched.about.version && stage === fetched.about.stage) {
        // The same model, evaluated since it was fetched: its document gets the quality (and flag) now known.
        if (!fetched.about.quality && now.quality) {
          this.#models.set(
            purchaseId,
            fetchedModel({ ...fetched.about, quality: now.quality }, fetched.values),
          )
          changed = true
        }
        continue
      }
      this.#models.delete(purchaseId)
      this.#replaced.set(purchaseId, { about: fetched.about, text: '' })
    }
    // A withdrawn model's note says what the coordinator holds now, as it changes.
    for (const [purchaseId, note] of this.#replaced) {
      const progress = wallet.purchases.find((p) => p.purchaseId === purchaseId)?.training
      const now = progress?.model
      const current = now
        ? `the model is now round ${now.round} of ${progress.roundsBought}${progress.finished ? ', final' : ', training continues'} (${now.version})`
        : 'the coordinator no longer holds it'
      const { stage, round, version } = note.about
      const text = `The ${stage} of round ${round} you fetched (${version}) is out of date: ${current}. Get the model again.`
      if (text === note.text) continue
      this.#replaced.set(purchaseId, { about: note.about, text })
      changed = true
    }
    return changed
  }
}

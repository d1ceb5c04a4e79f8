import { html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import type { Result } from '../../shared/result'
import type { SavedModelCheck, SessionController } from '../controllers/session-controller'
import { percent } from './format'
import { theme } from './theme'

/**
 * A model saved from the coordinator page (or `privx --out`), loaded in this tab: its files are read here, scored
 * on this tab's held-out rows as every global model is, and compared bit for bit with the global model this tab
 * holds. Nothing is sent.
 */
@customElement('px-saved-model')
export class PxSavedModel extends LitElement {
  static override styles = [theme]

  @property({ attribute: false }) session!: SessionController
  @state() private result: Result<SavedModelCheck> | null = null
  @state() private busy = false

  override render(): TemplateResult {
    const r = this.result
    const held = this.session.snapshot?.global
    return html`<label
        >Load a saved model (model.json, weights.bin and schema.json)
        <input type="file" multiple accept=".json,.bin" data-testid="saved-model-files" @change=${this.#load} /></label>
      ${this.busy ? html`<p class="muted">scoring…</p>` : nothing}
      ${
        r && !r.ok
          ? html`<p class="error" data-testid="saved-model-error">${r.error.message}</p>`
          : r?.ok
            ? html`<p data-testid="saved-model-result">
                Accuracy <b>${percent(r.value.accuracy)}</b> on this tab's ${r.value.examples} held-out rows (majority
                class ${percent(r.value.majorityRate)}, F1 ${r.value.f1.toFixed(3)}).
                <span data-testid="saved-model-match">${
                  held?.digest === r.value.digest
                    ? `The same weights as the global model this tab holds (${held.version}): the same predictions.`
                    : 'Not the global model this tab holds now.'
                }</span>
              </p>`
            : nothing
      }`
  }

  #load = async (event: Event): Promise<void> => {
    const files = [...((event.currentTarget as HTMLInputElement).files ?? [])]
    if (files.length === 0) return
    this.busy = true
    try {
      this.result = await this.session.checkSavedModel(files)
    } finally {
      this.busy = false
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-saved-model': PxSavedModel
  }
}

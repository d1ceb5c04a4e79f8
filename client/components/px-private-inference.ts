import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { errorMessage } from '../../shared/errors'
import type { PrivateInferenceResult, SessionController } from '../controllers/session-controller'
import { bytes, decimal } from './format'
import { theme } from './theme'

/**
 * Private inference: the person types features or picks one of this tab's held-out rows, the coordinator computes
 * the model's prediction on them encrypted under a key only this tab holds, and the page shows the decrypted result
 * beside the plaintext prediction and their difference. Binary logistic-regression tasks only.
 */
@customElement('px-private-inference')
export class PxPrivateInference extends LitElement {
  static override styles = [
    theme,
    css`
      .features {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(120px, 1fr));
        gap: 0.4rem;
        margin: 0.5rem 0;
      }
      input {
        width: 100%;
      }
      .error {
        color: var(--px-bad);
      }
    `,
  ]

  @property({ attribute: false }) session!: SessionController
  @state() private values: string[] = []
  @state() private result: PrivateInferenceResult | null = null
  @state() private busy = false
  @state() private error: string | null = null
  @state() private picked: { index: number; count: number; label: string } | null = null

  override render(): TemplateResult {
    const task = this.session.task
    if (!task) return html``
    if (task.model.kind !== 'logistic' || task.classNames.length !== 2) {
      return html`<p class="muted">Private inference serves binary logistic-regression tasks; this task trains a ${task.model.kind === 'mlp' ? 'multi-layer perceptron' : `${task.classNames.length}-class model`}.</p>`
    }
    const names = task.features
    if (this.values.length !== names.length) this.values = names.map(() => '0')
    const r = this.result
    return html`
      <p class="muted">Features as the model reads them (scaled to about [-1, 1]). They are encrypted in this tab; the coordinator computes on ciphertexts.</p>
      <div class="features">
        ${names.map(
          (name, i) => html`<label
            >${name}
            <input data-testid="feature-${i}" type="number" step="any" .value=${this.values[i] ?? '0'}
              @input=${(e: Event) => this.#setValue(i, (e.target as HTMLInputElement).value)} /></label>`,
        )}
      </div>
      <div class="buttons">
        <button data-testid="pick-row" ?disabled=${this.busy} @click=${() => void this.#pick()}>Use one of my rows</button>
        <button class="primary" data-testid="predict-privately" ?disabled=${this.busy} @click=${() => void this.#predict()}>
          ${this.busy ? 'Computing on ciphertexts…' : 'Predict privately'}
        </button>
      </div>
      ${this.picked ? html`<p class="muted" data-testid="picked-row">Held-out row ${this.picked.index + 1} of ${this.picked.count} (label: ${this.picked.label})</p>` : nothing}
      ${this.error ? html`<p class="error" data-testid="inference-error">${this.error}</p>` : nothing}
      ${
        r
          ? html`<dl data-testid="inference-result">
              <dt>Encrypted prediction</dt><dd data-testid="encrypted-prediction">${decimal(r.encrypted, 4)}</dd>
              <dt>Plaintext prediction</dt><dd data-testid="plain-prediction">${r.plain ? decimal(r.plain.exact, 4) : '– (this tab holds another model version)'}</dd>
              <dt>Difference</dt><dd data-testid="prediction-difference">${r.plain ? decimal(Math.abs(r.encrypted - r.plain.exact), 4) : '–'}</dd>
              <dt>of which encryption</dt><dd>${r.plain ? decimal(Math.abs(r.encrypted - r.plain.polynomial), 6) : '–'} (the rest is the ${r.sigmoid} sigmoid polynomial)</dd>
              <dt>Model</dt><dd>${r.modelVersion}</dd>
              <dt>Cost</dt><dd>${Math.round(r.ms)} ms, ${bytes(r.bytesSent)} sent (mostly evaluation keys), ${bytes(r.bytesReceived)} back</dd>
            </dl>`
          : nothing
      }
    `
  }

  #setValue(i: number, value: string): void {
    this.values = this.values.map((v, j) => (j === i ? value : v))
    this.picked = null
  }

  async #pick(): Promise<void> {
    const next = this.picked
      ? this.picked.index + 1
      : Math.floor(crypto.getRandomValues(new Uint32Array(1))[0]! % 1000)
    const row = await this.session.heldOutRow(next)
    if (!row) {
      this.error = 'this tab has no held-out rows yet'
      return
    }
    this.values = row.features.map((v) => String(Math.round(v * 1e4) / 1e4))
    this.picked = {
      index: row.index,
      count: row.count,
      label: this.session.task?.classNames[row.label] ?? String(row.label),
    }
  }

  async #predict(): Promise<void> {
    const features = this.values.map(Number)
    const bad = features.findIndex((v) => !Number.isFinite(v))
    if (bad !== -1) {
      this.error = `${this.session.task?.features[bad]}: "${this.values[bad]}" is not a number`
      return
    }
    this.busy = true
    this.error = null
    try {
      this.result = await this.session.predictPrivately(features)
    } catch (error) {
      this.error = `private inference failed: ${errorMessage(error)}`
    } finally {
      this.busy = false
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-private-inference': PxPrivateInference
  }
}

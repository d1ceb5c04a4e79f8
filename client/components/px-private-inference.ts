import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { errorMessage } from '../../shared/errors'
import { sigmoidOutOfRange } from '../../shared/he/inference'
import type { TaskInfo } from '../../shared/protocol'
import {
  decodeModelRow,
  encodeRawRow,
  type FeatureField,
  type FieldProblem,
  featureFields,
  fromText,
  toText,
} from '../../shared/tasks/feature-encoding'
import type { PrivateInferenceResult, SessionController } from '../controllers/session-controller'
import { bytes, decimal } from './format'
import { theme } from './theme'

/** What a field starts at: the middle of a number's range, no, the first category. */
function initialText(field: FeatureField): string {
  if (field.kind === 'boolean') return 'false'
  if (field.kind === 'category') return field.categories[0]!
  const middle = (field.min + field.max) / 2
  return toText(field.integer ? Math.round(middle) : Math.round(middle * 100) / 100)
}

/**
 * Private inference: the person enters features in their own units (numbers within the task's declared ranges,
 * yes/no, categories) or picks one of this tab's held-out rows; the tab encodes them exactly as the training rows
 * were (`encodeRawRow`), refusing a value outside its range, and the coordinator computes the model's prediction on
 * them encrypted under a key only this tab holds. The page shows the decrypted result beside the plaintext
 * prediction on the same encoded row. Binary logistic-regression tasks only.
 */
@customElement('px-private-inference')
export class PxPrivateInference extends LitElement {
  static override styles = [
    theme,
    css`
      .features {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
        gap: 0.4rem;
        margin: 0.5rem 0;
      }
      input[type='number'],
      select {
        width: 100%;
      }
      .range {
        font-size: 0.8rem;
      }
      .error {
        color: var(--px-bad);
        margin: 0.2rem 0;
      }
      .warn {
        color: var(--px-warn);
      }
      .inputs {
        font-size: 0.8rem;
        overflow-wrap: anywhere;
      }
    `,
  ]

  @property({ attribute: false }) session!: SessionController
  /** The text of each field's control, for the task `textsFor`. */
  @state() private texts: string[] = []
  @state() private result: PrivateInferenceResult | null = null
  /** The model inputs the last result was computed on. */
  @state() private inputs: readonly number[] = []
  @state() private busy = false
  @state() private errors: readonly FieldProblem[] = []
  @state() private picked: { index: number; count: number; label: string } | null = null
  #textsFor: string | null = null

  override render(): TemplateResult {
    const task = this.session.task
    if (!task) return html``
    if (task.model.kind !== 'logistic' || task.classNames.length !== 2) {
      return html`<p class="muted">Private inference serves binary logistic-regression tasks; this task trains a ${task.model.kind === 'mlp' ? 'multi-layer perceptron' : `${task.classNames.length}-class model`}.</p>`
    }
    const fields = featureFields(task)
    if (this.#textsFor !== task.id) {
      this.#textsFor = task.id
      this.texts = fields.map(initialText)
    }
    return html`
      <p class="muted">Features in their own units, within the ranges the task declares. This tab scales them as the training rows were scaled and encrypts them; the coordinator computes on ciphertexts.</p>
      <div class="features">${fields.map((field, i) => this.#field(field, i))}</div>
      <div class="buttons">
        <button data-testid="pick-row" ?disabled=${this.busy} @click=${() => void this.#pick(task)}>Use one of my rows</button>
        <button class="primary" data-testid="predict-privately" ?disabled=${this.busy} @click=${() => void this.#predict(task)}>
          ${this.busy ? 'Computing on ciphertexts…' : 'Predict privately'}
        </button>
      </div>
      ${this.picked ? html`<p class="muted" data-testid="picked-row">Held-out row ${this.picked.index + 1} of ${this.picked.count} (label: ${this.picked.label}), in its own units</p>` : nothing}
      ${
        this.errors.length
          ? html`<div data-testid="inference-error">${this.errors.map((p) => html`<p class="error">${p.field}: ${p.message}</p>`)}</div>`
          : nothing
      }
      ${this.result ? this.#result(this.result) : nothing}
    `
  }

  #field(field: FeatureField, i: number): TemplateResult {
    const text = this.texts[i] ?? ''
    const set = (e: Event): void => {
      const target = e.target as HTMLInputElement | HTMLSelectElement
      this.#setText(
        i,
        target instanceof HTMLInputElement && target.type === 'checkbox'
          ? String(target.checked)
          : target.value,
      )
    }
    switch (field.kind) {
      case 'number':
        return html`<label
          >${field.name} <span class="muted range">${field.min} to ${field.max}</span>
          <input data-testid="feature-${i}" type="number" min=${field.min} max=${field.max}
            step=${field.integer ? '1' : 'any'} .value=${text} @input=${set} /></label>`
      case 'boolean':
        return html`<label
          ><input data-testid="feature-${i}" type="checkbox" .checked=${text === 'true'}
            .indeterminate=${text === ''} @change=${set} /> ${field.name}</label>`
      case 'category':
        return html`<label
          >${field.name}
          <select data-testid="feature-${i}" @change=${set}>
            <option value="" ?selected=${text === ''}>(missing)</option>
            ${field.categories.map((c) => html`<option value=${c} ?selected=${text === c}>${c}</option>`)}
          </select></label>`
      default: {
        const _exhaustive: never = field
        throw new Error(`unknown field ${JSON.stringify(_exhaustive)}`)
      }
    }
  }

  #result(r: PrivateInferenceResult): TemplateResult {
    const outside = sigmoidOutOfRange(r.plain?.logit ?? null, r.sigmoid)
    return html`<dl data-testid="inference-result">
        <dt>Encrypted prediction</dt><dd data-testid="encrypted-prediction">${decimal(r.encrypted, 4)}</dd>
        <dt>Plaintext prediction</dt><dd data-testid="plain-prediction">${r.plain ? decimal(r.plain.exact, 4) : '– (this tab holds another model version)'}</dd>
        <dt>Difference</dt><dd data-testid="prediction-difference">${r.plain ? decimal(Math.abs(r.encrypted - r.plain.exact), 4) : '–'}</dd>
        <dt>of which encryption</dt><dd data-testid="encryption-error">${r.plain ? decimal(Math.abs(r.encrypted - r.plain.polynomial), 6) : '–'} (the rest is the ${r.sigmoid} sigmoid polynomial)</dd>
        <dt>Logit w·x + b</dt><dd data-testid="prediction-logit">${r.plain ? decimal(r.plain.logit, 4) : '–'}</dd>
        <dt>Model inputs</dt><dd class="inputs" data-testid="model-inputs">${this.inputs.map((v) => decimal(v, 4)).join(', ')}</dd>
        <dt>Model</dt><dd>${r.modelVersion}</dd>
        <dt>Cost</dt><dd>${Math.round(r.ms)} ms, ${bytes(r.bytesSent)} sent (mostly evaluation keys), ${bytes(r.bytesReceived)} back</dd>
      </dl>
      ${
        outside
          ? html`<p class="warn" data-testid="logit-warning">The logit is outside [${outside.range.join(', ')}], where the ${r.sigmoid} polynomial approximates the sigmoid: the encrypted value is not a probability here. Trust the plaintext one.</p>`
          : r.warning
            ? html`<p class="warn" data-testid="logit-warning">Not a probability: ${r.warning}.</p>`
            : nothing
      }`
  }

  #setText(i: number, text: string): void {
    this.texts = this.texts.map((v, j) => (j === i ? text : v))
    this.picked = null
  }

  async #pick(task: TaskInfo): Promise<void> {
    const next = this.picked
      ? this.picked.index + 1
      : Math.floor(crypto.getRandomValues(new Uint32Array(1))[0]! % 1000)
    const row = await this.session.heldOutRow(next)
    if (!row) {
      this.#refuse([{ field: 'rows', message: 'this tab has no held-out rows yet' }])
      return
    }
    this.texts = decodeModelRow(task, row.features).map(toText)
    this.errors = []
    this.picked = {
      index: row.index,
      count: row.count,
      label: task.classNames[row.label] ?? String(row.label),
    }
  }

  async #predict(task: TaskInfo): Promise<void> {
    const fields = featureFields(task)
    const encoded = encodeRawRow(
      task,
      fields.map((field, i) => fromText(field, this.texts[i] ?? '')),
    )
    if (!encoded.ok) {
      this.#refuse(encoded.problems)
      return
    }
    this.busy = true
    this.errors = []
    this.result = null
    try {
      this.result = await this.session.predictPrivately(encoded.value)
      this.inputs = encoded.value
    } catch (error) {
      this.#refuse([{ field: 'private inference', message: `failed: ${errorMessage(error)}` }])
    } finally {
      this.busy = false
    }
  }

  /** Shows why, and clears the previous result so it cannot be read as this request's. */
  #refuse(problems: readonly FieldProblem[]): void {
    this.errors = problems
    this.result = null
    this.inputs = []
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-private-inference': PxPrivateInference
  }
}

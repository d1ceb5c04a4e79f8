import { html, LitElement, type TemplateResult } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { DATASET_CATEGORIES, type DatasetCategory } from '../../../shared/market/types'
import { draftSchemaFromHeader, taskSchemaSchema } from '../../../shared/tasks/schema'
import type { MarketController } from '../../controllers/market-controller'
import { theme } from '../theme'

/**
 * Lists a dataset from a CSV loaded in this page: the schema (pasted, or drafted from the file's header and then
 * edited), what is for sale and at what price. The summary's statistics are computed here under DP; the rows stay.
 */
@customElement('px-market-list')
export class PxMarketList extends LitElement {
  static override styles = [theme]

  @property({ attribute: false }) market!: MarketController
  /** The controller's change counter: a new value re-renders this view. */
  @property({ type: Number }) version = 0
  @state() private file: { name: string; text: string } | null = null
  @state() private schemaText = ''
  @state() private problem: string | null = null

  override render(): TemplateResult {
    const w = this.market.wallet
    if (w && !w.provider) {
      return html`<section class="card"><p>Register as a provider first (Wallet &amp; history).</p></section>`
    }
    return html`
      <form class="settings card" @submit=${this.#submit}>
        <label>CSV file <input type="file" accept=".csv,text/csv" data-testid="list-file" @change=${this.#pick} /></label>
        <label>Name <input name="name" data-testid="list-name" required maxlength="120" /></label>
        <label
          >Category
          <select name="category" data-testid="list-category">
            ${DATASET_CATEGORIES.map((c) => html`<option value=${c}>${c}</option>`)}
          </select>
        </label>
        <label>Tags (comma-separated) <input name="tags" data-testid="list-tags" /></label>
        <label>Licence <input name="licence" value="research use only" /></label>
        <label>Copy price (blank: not sold) <input name="copyPrice" type="number" min="0" step="1" data-testid="list-copy-price" value="20" /></label>
        <label>Training price (blank: not sold) <input name="trainingPrice" type="number" min="0" step="1" data-testid="list-training-price" value="40" /></label>
        <label>Copy ε per row <input name="copyEpsilon" type="number" min="0.01" step="any" value="2" /></label>
        <label>Summary ε <input name="summaryEpsilon" type="number" min="0.01" step="any" value="1" /></label>
        <label>Training rounds <input name="trainingRounds" type="number" min="1" step="1" value="3" /></label>
        <label style="grid-column: 1 / -1">Description <textarea name="description" data-testid="list-description" rows="2" maxlength="4000"></textarea></label>
        <label style="grid-column: 1 / -1"
          >Schema (JSON: features with types and ranges, the label and its classes)
          <textarea data-testid="list-schema" rows="8" .value=${this.schemaText} @input=${(e: Event) => {
            this.schemaText = (e.target as HTMLTextAreaElement).value
          }}></textarea>
        </label>
        <label><button type="button" ?disabled=${!this.file} @click=${this.#draft}>Draft the schema from the file's header</button></label>
        <label>&nbsp;<button class="primary" type="submit" data-testid="list-submit">List the dataset</button></label>
      </form>
      ${this.problem ? html`<p class="error" style="color:var(--px-bad)" data-testid="list-problem">${this.problem}</p>` : ''}
      <p class="muted">The rows never leave this browser. The listing carries their count and DP statistics; a buyer's copy is noised here and sealed to the buyer.</p>
    `
  }

  async #pick(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement
    const file = input.files?.[0]
    if (!file) return
    this.file = { name: file.name, text: await file.text() }
    this.problem = null
  }

  #draft(): void {
    if (!this.file) return
    const drafted = draftSchemaFromHeader(this.file.text)
    if (drafted.ok) this.schemaText = JSON.stringify(drafted.schema, null, 2)
    else this.problem = `${this.file.name}: ${drafted.message}`
  }

  async #submit(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    if (!this.file) {
      this.problem = 'pick a CSV file'
      return
    }
    let schemaJson: unknown
    try {
      schemaJson = JSON.parse(this.schemaText)
    } catch (error) {
      this.problem = `schema: not JSON (${error instanceof Error ? error.message : String(error)})`
      return
    }
    const schema = taskSchemaSchema.safeParse(schemaJson)
    if (!schema.success) {
      this.problem = `schema: ${schema.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`
      return
    }
    const form = new FormData(event.target as HTMLFormElement)
    const text = (k: string) => String(form.get(k) ?? '').trim()
    const price = (k: string) => (text(k) === '' ? null : Number(text(k)))
    this.problem = null
    const listed = await this.market.list(this.file.text, this.file.name, {
      name: text('name'),
      description: text('description'),
      category: text('category') as DatasetCategory,
      tags: text('tags')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      schema: schema.data,
      licence: text('licence'),
      copyPrice: price('copyPrice'),
      trainingPrice: price('trainingPrice'),
      copyEpsilon: Number(text('copyEpsilon')),
      summaryEpsilon: Number(text('summaryEpsilon')),
      trainingRounds: Number(text('trainingRounds')),
    })
    if (listed) (event.target as HTMLFormElement).reset()
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-market-list': PxMarketList
  }
}

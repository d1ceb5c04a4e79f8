import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property, query, state } from 'lit/decorators.js'
import {
  DEFAULT_EPSILON_BUDGET,
  DEFAULT_TRAINING_EPSILON,
  MAX_EPSILON_BUDGET,
} from '../../../shared/market/epsilon-ledger'
import { DATASET_CATEGORIES, type DatasetCategory } from '../../../shared/market/types'
import type { ColumnVerdict } from '../../../shared/tasks/schema-inference'
import type { MarketController } from '../../controllers/market-controller'
import type { CsvReport } from '../../data/csv/csv-report'
import { inferCsvSchema } from '../../data/csv/infer-csv'
import '../px-csv-report'
import '../px-schema-editor'
import { readSchemaText } from '../px-schema-editor'
import { theme } from '../theme'

/**
 * Lists a dataset from a CSV loaded in this page. Picking the file infers its schema from its content (types,
 * ranges, categories, the label and its classes), shown in the schema editor for the provider to adjust; then what
 * is for sale and at what price. Listing reads the file as a training tab does and shows that report, lines and
 * columns included. The summary's statistics are computed here under DP; the rows stay.
 */
@customElement('px-market-list')
export class PxMarketList extends LitElement {
  static override styles = [
    theme,
    css`
      .full {
        grid-column: 1 / -1;
        min-width: 0;
      }
      .actions {
        grid-column: 1 / -1;
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: center;
      }
      .problem {
        color: var(--px-bad);
      }
    `,
  ]

  @property({ attribute: false }) market!: MarketController
  /** The controller's change counter: a new value re-renders this view. */
  @property({ type: Number }) version = 0
  @state() private file: { name: string; text: string } | null = null
  @state() private schemaText = ''
  @state() private notes: readonly ColumnVerdict[] = []
  @state() private inferredRows: number | null = null
  @state() private problem: string | null = null
  @state() private report: CsvReport | null = null
  @state() private busy = false
  @query('form') private form!: HTMLFormElement
  /** Schema edits made by hand so far: an inference that finishes after one does not overwrite it. */
  #edits = 0

  override render(): TemplateResult {
    const w = this.market.wallet
    if (w && !w.provider) {
      return html`<section class="card"><p>Register as a provider first (Wallet &amp; history).</p></section>`
    }
    const schema = this.schemaText.trim() ? readSchemaText(this.schemaText) : null
    return html`
      <form class="settings card" @submit=${this.#submit}>
        <label>CSV file <input name="file" type="file" accept=".csv,text/csv" data-testid="list-file" @change=${this.#pick} /></label>
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
        <label>ε budget (every release together) <input name="epsilonBudget" type="number" min="0.01" max=${MAX_EPSILON_BUDGET} step="any" data-testid="list-epsilon-budget" value=${DEFAULT_EPSILON_BUDGET} /></label>
        <label>Training ε per run <input name="trainingEpsilon" type="number" min="0.01" step="any" data-testid="list-training-epsilon" value=${DEFAULT_TRAINING_EPSILON} /></label>
        <label>Training rounds <input name="trainingRounds" type="number" min="1" step="1" value="3" /></label>
        <label class="full">Description <textarea name="description" data-testid="list-description" rows="2" maxlength="4000"></textarea></label>
        <div class="full">
          <p class="muted" data-testid="list-schema-source">
            ${
              this.inferredRows !== null && this.file
                ? `Schema inferred from the ${this.inferredRows} rows of ${this.file.name}: check it, adjust it if needed. Ranges are rounded outward from the file's values and are published with the listing.`
                : 'Pick a CSV file: its schema (types, ranges, categories, the label and its classes) is inferred from its content.'
            }
          </p>
          <px-schema-editor
            textarea-testid="list-schema"
            .text=${this.schemaText}
            .notes=${this.notes}
            @px-schema-input=${(e: CustomEvent<{ text: string }>) => {
              this.schemaText = e.detail.text
              this.#edits++
            }}
          ></px-schema-editor>
        </div>
        <label class="full"
          ><span><input type="checkbox" name="leaveOutBadRows" data-testid="list-leave-out" /> List even if some rows have a problem: they are left out (and reported below)</span></label
        >
        <div class="actions">
          <button type="button" data-testid="list-infer" ?disabled=${!this.file || this.busy} @click=${() => void this.#infer()}>Infer the schema again from the file</button>
          <button class="primary" type="submit" data-testid="list-submit" ?disabled=${this.busy}>List the dataset</button>
          ${this.busy ? html`<span class="muted">Reading the file…</span>` : nothing}
        </div>
      </form>
      ${this.problem ? html`<p class="problem" data-testid="list-problem">${this.problem}</p>` : nothing}
      ${
        this.report && (this.report.fatal || this.report.issues.length || this.report.warnings.length)
          ? html`<section class="card" data-testid="list-report">
              <h2>What the file holds</h2>
              <px-csv-report .report=${this.report} .classNames=${schema?.ok ? schema.schema.label.classes : []}></px-csv-report>
            </section>`
          : nothing
      }
      <p class="muted">The rows never leave this browser. The listing carries DP statistics (a noised count, not the exact one) and an ε budget that the summary, each copy (made once per kind and resold) and each training run spend; a buyer's copy is noised here and sealed to the buyer.</p>
    `
  }

  async #pick(event: Event): Promise<void> {
    const input = event.currentTarget as HTMLInputElement
    const file = input.files?.[0]
    this.report = null
    this.problem = null
    if (!file) return
    const edits = this.#edits
    this.file = { name: file.name, text: await file.text() }
    await this.#infer(edits)
  }

  /** Infers the schema of the file picked; `edits`: the edit count when the file was picked. */
  async #infer(edits = this.#edits): Promise<void> {
    const file = this.file
    if (!file) return
    this.busy = true
    try {
      const inferred = await inferCsvSchema(file.text)
      // A schema typed or pasted while the file was read is kept.
      if (this.#edits !== edits || this.file !== file) return
      if (inferred.ok) {
        this.schemaText = JSON.stringify(inferred.schema, null, 2)
        this.notes = inferred.columns
        this.inferredRows = inferred.rows
        this.problem = null
      } else {
        this.notes = []
        this.inferredRows = null
        this.problem = `${file.name}: no schema could be inferred: ${inferred.message}. Write the schema below.`
      }
    } finally {
      this.busy = false
    }
  }

  async #submit(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    // Read before any await: once dispatch ends, a shadow-tree event's target is null.
    const form = event.currentTarget as HTMLFormElement
    if (!this.file) {
      this.problem = 'pick a CSV file'
      return
    }
    const schema = readSchemaText(this.schemaText)
    if (!schema.ok) {
      this.problem = `schema: ${schema.message}`
      return
    }
    const data = new FormData(form)
    const text = (k: string) => String(data.get(k) ?? '').trim()
    const price = (k: string) => (text(k) === '' ? null : Number(text(k)))
    this.problem = null
    this.busy = true
    try {
      const { listed, report } = await this.market.list(
        this.file.text,
        this.file.name,
        {
          name: text('name'),
          description: text('description'),
          category: text('category') as DatasetCategory,
          tags: text('tags')
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
          schema: schema.schema,
          licence: text('licence'),
          copyPrice: price('copyPrice'),
          trainingPrice: price('trainingPrice'),
          copyEpsilon: Number(text('copyEpsilon')),
          summaryEpsilon: Number(text('summaryEpsilon')),
          trainingRounds: Number(text('trainingRounds')),
          epsilonBudget: Number(text('epsilonBudget')),
          trainingEpsilon: Number(text('trainingEpsilon')),
        },
        { leaveOutBadRows: data.get('leaveOutBadRows') !== null },
      )
      this.report = report
      if (listed) this.#clear(report)
    } finally {
      this.busy = false
    }
  }

  /** Empties the form after a listing: the next one starts from a new file. Rows left out stay reported. */
  #clear(report: CsvReport): void {
    this.form?.reset()
    this.file = null
    this.schemaText = ''
    this.notes = []
    this.inferredRows = null
    this.report = report.rows.dropped > 0 ? report : null
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-market-list': PxMarketList
  }
}

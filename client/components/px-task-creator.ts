import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import type { CreateTaskRequest } from '../../shared/protocol'
import type { ColumnVerdict } from '../../shared/tasks/schema-inference'
import { inferCsvSchema } from '../data/csv/infer-csv'
import { readSchemaText } from './px-schema-editor'
import { draftFromHeader, draftJson } from './schema-draft'
import { theme } from './theme'

/**
 * Creates a task: from the built-in demo template, or from a schema edited in the schema form, inferred from a
 * sample CSV's content read in this page (never uploaded), or started from a header line (column names only: the
 * person then chooses each type and the label). Emits `px-create-task` ({ request }); the page answers with
 * `created`, and a successful create clears the notes about the last draft.
 */
@customElement('px-task-creator')
export class PxTaskCreator extends LitElement {
  static override styles = [
    theme,
    css`
      form {
        display: grid;
        gap: 0.6rem;
      }
      .row {
        display: flex;
        gap: 1rem;
        flex-wrap: wrap;
        align-items: end;
      }
      label {
        display: grid;
        gap: 0.2rem;
        font-size: 0.85rem;
        color: var(--px-muted);
      }
      input,
      select,
      textarea {
        font: inherit;
        padding: 0.3rem 0.4rem;
      }
      textarea {
        font-family: ui-monospace, monospace;
        font-size: 0.8rem;
        min-height: 14rem;
      }
      .error {
        color: var(--px-bad);
      }
    `,
  ]

  @state() private source: 'template' | 'schema' = 'schema'
  @state() private schemaText = ''
  @state() private problem: string | null = null
  @state() private note: string | null = null
  @state() private notes: readonly ColumnVerdict[] = []
  /** The page's answer to the last `px-create-task`. */
  @property({ attribute: false }) created: { ok: boolean; text: string } | null = null

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('created') && this.created?.ok) {
      this.note = null
      this.problem = null
    }
  }

  override render(): TemplateResult {
    return html`<form @submit=${this.#submit}>
      <div class="row">
        <label>Name <input name="name" required placeholder="Clinic study" data-testid="task-name-input" /></label>
        <label>Data
          <select name="source" @change=${(e: Event) => (this.source = (e.target as HTMLSelectElement).value as 'template' | 'schema')}>
            <option value="schema" selected>each tab's own CSV (schema below)</option>
            <option value="template">built-in demo data (diabetes)</option>
          </select>
        </label>
        <label>Model
          <select name="model"><option value="mlp">MLP</option><option value="logistic">logistic regression</option></select>
        </label>
        <label>Hidden layers <input name="hidden" value="16,8" size="8" /></label>
        <label title="Tokens each tab locks before joining; returned when the task ends, half forfeited per broken update">Stake per tab
          <input name="stake" type="number" min="0" step="1" value="0" style="width:5rem" data-testid="task-stake" />
        </label>
      </div>
      ${
        this.source === 'schema'
          ? html`<div class="row">
                <label style="flex:1">Infer the schema from a sample CSV on this computer (read in this page, never uploaded)
                  <input type="file" accept=".csv,.tsv,.txt,text/csv" data-testid="schema-file" @change=${this.#inferFromFile} />
                </label>
              </div>
              <div class="row">
                <label style="flex:1">Or start from a header line (column names only; you then choose each type and the label)
                  <input name="header" placeholder="age,bmi,glucose,smoker,diabetes" data-testid="header-input" />
                </label>
                <button type="button" data-testid="draft-schema" @click=${this.#draft}>Start from the header</button>
              </div>
              <px-schema-editor
                textarea-testid="schema-input"
                .text=${this.schemaText}
                .notes=${this.notes}
                @px-schema-input=${(e: CustomEvent<{ text: string }>) => (this.schemaText = e.detail.text)}
              ></px-schema-editor>`
          : nothing
      }
      <div><button class="primary" type="submit" data-testid="create-task">Create task</button></div>
      ${this.note ? html`<p class="muted" data-testid="schema-note">${this.note}</p>` : nothing}
      ${this.problem ? html`<p class="error" role="alert" data-testid="create-problem">${this.problem}</p>` : nothing}
    </form>`
  }

  #draft(): void {
    const header = (this.renderRoot.querySelector('input[name=header]') as HTMLInputElement).value
    const draft = draftFromHeader(header)
    if (!draft.ok) {
      this.problem = draft.message
      return
    }
    this.problem = null
    this.notes = []
    this.note =
      "From the header: choose each column's type and range (or ignore it), and which column is the label with its classes."
    this.schemaText = JSON.stringify(draftJson(draft.draft), null, 2)
  }

  async #inferFromFile(event: Event): Promise<void> {
    const file = (event.currentTarget as HTMLInputElement).files?.[0]
    if (!file) return
    const inferred = await inferCsvSchema(file)
    if (!inferred.ok) {
      this.problem = `${file.name}: ${inferred.message}`
      return
    }
    this.problem = null
    this.notes = inferred.columns
    this.note = `Inferred from the ${inferred.rows} rows of ${file.name}: check each column's type and range, and the label's classes. Other tabs' files may hold values outside these ranges (they are clipped).`
    this.schemaText = JSON.stringify(inferred.schema, null, 2)
  }

  #submit(event: SubmitEvent): void {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    const name = String(form.get('name') ?? '').trim()
    const model = form.get('model') === 'logistic' ? 'logistic' : 'mlp'
    const hidden = String(form.get('hidden') ?? '')
      .split(',')
      .map((n) => Number(n.trim()))
    if (hidden.some((n) => !Number.isInteger(n) || n < 1)) {
      this.problem = 'hidden layers: give sizes as whole numbers separated by commas, e.g. 16,8'
      return
    }
    const tokens = Number(form.get('stake') ?? 0)
    if (!Number.isSafeInteger(tokens) || tokens < 0) {
      this.problem = 'stake per tab: a whole number of tokens, 0 for none'
      return
    }
    const stake = tokens > 0 ? { stake: { tokens } } : {}
    let request: CreateTaskRequest
    if (this.source === 'template') {
      request = { source: 'template', template: 'demo-diabetes', model, ...(name ? { name } : {}), ...stake }
    } else {
      if (this.schemaText.trim() === '') {
        this.problem = 'schema: infer it from a sample CSV, start from a header line, or write its JSON'
        return
      }
      const read = readSchemaText(this.schemaText)
      if (!read.ok) {
        this.problem = `schema: ${read.message}`
        return
      }
      request = { source: 'schema', name, schema: read.schema, model: { kind: model, hidden }, ...stake }
    }
    this.problem = null
    this.dispatchEvent(
      new CustomEvent('px-create-task', { detail: { request }, bubbles: true, composed: true }),
    )
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-task-creator': PxTaskCreator
  }
}

import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, state } from 'lit/decorators.js'
import type { CreateTaskRequest } from '../../shared/protocol'
import { draftSchemaFromHeader } from '../../shared/tasks/schema'
import type { ColumnVerdict } from '../../shared/tasks/schema-inference'
import { inferCsvSchema } from '../data/csv/infer-csv'
import './px-schema-editor'
import { theme } from './theme'

/**
 * Creates a task: from the built-in demo template, or from a schema the person writes in the schema editor, drafts
 * from a header line (column names only), or infers from a CSV file's content read in this page (never uploaded). Emits `px-create-task` ({ request }); the page answers via `message`.
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
      </div>
      ${
        this.source === 'schema'
          ? html`<div class="row">
                <label style="flex:1">Draft from a header line (column names only)
                  <input name="header" placeholder="age,bmi,glucose,smoker,diabetes" data-testid="header-input" />
                </label>
                <button type="button" @click=${this.#draft}>Draft schema</button>
              </div>
              <div class="row">
                <label style="flex:1">Or infer it from a CSV file's content (read in this page, never uploaded)
                  <input type="file" accept=".csv,text/csv" data-testid="schema-file" @change=${this.#inferFromFile} />
                </label>
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
      ${this.note ? html`<p class="muted">${this.note}</p>` : nothing}
      ${this.problem ? html`<p class="error">${this.problem}</p>` : nothing}
    </form>`
  }

  #draft(): void {
    const header = (this.renderRoot.querySelector('input[name=header]') as HTMLInputElement).value
    const draft = draftSchemaFromHeader(header)
    if (!draft.ok) {
      this.problem = draft.message
      return
    }
    this.problem = null
    this.notes = []
    this.note =
      "Drafted: set each column's type and range, and the label's classes, before creating the task."
    this.schemaText = JSON.stringify(draft.schema, null, 2)
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
    let request: CreateTaskRequest
    if (this.source === 'template') {
      request = { source: 'template', template: 'demo-diabetes', model, ...(name ? { name } : {}) }
    } else {
      let schema: unknown
      try {
        schema = JSON.parse(this.schemaText)
      } catch (error) {
        this.problem = `the schema is not valid JSON: ${error instanceof Error ? error.message : String(error)}`
        return
      }
      request = { source: 'schema', name, schema: schema as never, model: { kind: model, hidden } }
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

import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { type ColumnSchema, type TaskSchema, taskSchemaSchema } from '../../shared/tasks/schema'
import type { ColumnVerdict } from '../../shared/tasks/schema-inference'
import { theme } from './theme'

const TYPES: readonly ColumnSchema['type'][] = ['numeric', 'integer', 'boolean', 'categorical']

/** A list typed as "a, b, c": trimmed, blanks dropped. */
const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/** Parses a schema's JSON text for the table; the first problem, with its path, when it is not a valid schema. */
export function readSchemaText(
  text: string,
): { ok: true; schema: TaskSchema } | { ok: false; json: unknown; message: string } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return {
      ok: false,
      json: null,
      message: `not JSON (${error instanceof Error ? error.message : String(error)})`,
    }
  }
  const parsed = taskSchemaSchema.safeParse(json)
  if (parsed.success) return { ok: true, schema: parsed.data }
  return {
    ok: false,
    json,
    message: parsed.error.issues.map((i) => `${i.path.join('.') || 'schema'}: ${i.message}`).join('; '),
  }
}

/**
 * Edits a task schema: a table of its columns (type, range or categories, the label and its classes) over the
 * schema's JSON, the two kept in step. Used wherever a schema is written: the coordinator's task creator and the
 * market's listing form. `notes` (what inference made of each column, left-out ones included) show beside the
 * table. Emits `px-schema-input` ({ text }) on every edit; the owner holds the text and passes it back as `text`.
 */
@customElement('px-schema-editor')
export class PxSchemaEditor extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 0.5rem;
        min-width: 0;
      }
      .scroll {
        overflow-x: auto;
      }
      textarea {
        font-family: ui-monospace, monospace;
        font-size: 0.8rem;
        min-height: 10rem;
        width: 100%;
        box-sizing: border-box;
      }
      input,
      select {
        font: inherit;
        padding: 0.2rem 0.3rem;
      }
      input.num {
        width: 6rem;
      }
      input.list {
        width: 100%;
        min-width: 14rem;
      }
      .problem {
        color: var(--px-bad);
      }
      details summary {
        cursor: pointer;
        color: var(--px-muted);
        font-size: 0.85rem;
      }
      td.note {
        white-space: normal;
        color: var(--px-muted);
        font-size: 0.8rem;
      }
      label.caption {
        font-size: 0.8rem;
        color: var(--px-muted);
      }
    `,
  ]

  /** The schema as JSON text (the owner's state). */
  @property() text = ''
  /** data-testid of the JSON textarea, so each page keeps its own. */
  @property({ attribute: 'textarea-testid' }) textareaTestId = 'schema-json'
  /** What inference made of each column of the file, if the schema was inferred. */
  @property({ attribute: false }) notes: readonly ColumnVerdict[] = []

  override render(): TemplateResult {
    const read = this.text.trim() === '' ? null : readSchemaText(this.text)
    const schema = read?.ok ? read.schema : null
    const noteOf = (name: string) => this.notes.find((n) => n.name === name)?.note ?? ''
    const leftOut = this.notes.filter((n) => n.role === 'left-out')
    return html`
      ${
        schema
          ? html`<div class="scroll"><table data-testid="schema-table">
              <thead><tr><th>Column</th><th>Role</th><th>Type</th><th>Range / categories / classes</th><th>From the file</th><th></th></tr></thead>
              <tbody>
                ${schema.features.map((c, i) => this.#featureRow(schema, c, i, noteOf(c.name)))}
                <tr data-testid="schema-label-row">
                  <td><input .value=${schema.label.name} @change=${(e: Event) => this.#edit(schema, (s) => ({ ...s, label: { ...s.label, name: value(e) } }))} /></td>
                  <td><b>label</b></td>
                  <td>classes</td>
                  <td><input class="list" data-testid="schema-classes" .value=${schema.label.classes.join(', ')} @change=${(e: Event) => this.#edit(schema, (s) => ({ ...s, label: { ...s.label, classes: splitList(value(e)) } }))} /></td>
                  <td class="note">${noteOf(schema.label.name)}</td>
                  <td></td>
                </tr>
              </tbody>
            </table></div>
            <label class="caption">A row with a missing value is
              <select .value=${schema.missing} @change=${(e: Event) => this.#edit(schema, (s) => ({ ...s, missing: value(e) === 'impute' ? 'impute' : 'drop-row' }))}>
                <option value="drop-row">left out</option><option value="impute">kept, the value imputed</option>
              </select>
            </label>`
          : nothing
      }
      ${read && !read.ok ? html`<p class="problem" data-testid="schema-problem">Schema: ${read.message}</p>` : nothing}
      ${
        leftOut.length
          ? html`<p class="muted" data-testid="schema-left-out">Left out of the schema: ${leftOut.map((n) => `${n.name} (${n.note.replace(/^left out: /, '')})`).join('; ')}</p>`
          : nothing
      }
      <details open>
        <summary>Schema as JSON (features with type numeric/integer (min, max), boolean or categorical (categories); the label with its classes; missing: drop-row or impute)</summary>
        <textarea data-testid=${this.textareaTestId} .value=${this.text} @input=${(e: Event) => this.#emit(value(e))}></textarea>
      </details>
    `
  }

  #featureRow(schema: TaskSchema, c: ColumnSchema, i: number, note: string): TemplateResult {
    const set = (next: ColumnSchema) =>
      this.#edit(schema, (s) => ({ ...s, features: s.features.map((f, j) => (j === i ? next : f)) }))
    const ranged = c.type === 'numeric' || c.type === 'integer'
    return html`<tr data-testid="schema-feature-row">
      <td><input .value=${c.name} @change=${(e: Event) => set({ ...c, name: value(e) })} /></td>
      <td>feature</td>
      <td>
        <select data-testid="schema-type" .value=${c.type} @change=${(e: Event) => set(retype(c, value(e) as ColumnSchema['type']))}>
          ${TYPES.map((t) => html`<option value=${t} ?selected=${t === c.type}>${t}</option>`)}
        </select>
      </td>
      <td>
        ${ranged ? html`<input class="num" type="number" step="any" aria-label="min" .value=${String(c.min)} @change=${(e: Event) => set({ ...c, min: Number(value(e)) })} /> to <input class="num" type="number" step="any" aria-label="max" .value=${String(c.max)} @change=${(e: Event) => set({ ...c, max: Number(value(e)) })} />` : nothing}
        ${c.type === 'categorical' ? html`<input class="list" .value=${c.categories.join(', ')} @change=${(e: Event) => set({ ...c, categories: splitList(value(e)) })} />` : nothing}
        ${c.type === 'boolean' ? html`<span class="muted">true/false, yes/no, 1/0</span>` : nothing}
      </td>
      <td class="note">${note}</td>
      <td><button type="button" title="Leave this column out" @click=${() => this.#edit(schema, (s) => ({ ...s, features: s.features.filter((_, j) => j !== i) }))}>✕</button></td>
    </tr>`
  }

  #edit(schema: TaskSchema, change: (s: TaskSchema) => TaskSchema): void {
    this.#emit(JSON.stringify(change(schema), null, 2))
  }

  #emit(text: string): void {
    this.text = text
    this.dispatchEvent(
      new CustomEvent('px-schema-input', { detail: { text }, bubbles: true, composed: true }),
    )
  }
}

/** A column given another type: a range or categories to start from, which the person then edits. */
function retype(c: ColumnSchema, type: ColumnSchema['type']): ColumnSchema {
  if (type === c.type) return c
  switch (type) {
    case 'numeric':
    case 'integer':
      return { name: c.name, type, min: 'min' in c ? c.min : 0, max: 'max' in c ? c.max : 1 }
    case 'boolean':
      return { name: c.name, type }
    case 'categorical':
      return { name: c.name, type, categories: c.type === 'boolean' ? ['no', 'yes'] : [] }
    default: {
      const _exhaustive: never = type
      throw new Error(`unknown column type ${String(_exhaustive)}`)
    }
  }
}

const value = (e: Event): string => (e.target as HTMLInputElement | HTMLSelectElement).value

declare global {
  interface HTMLElementTagNameMap {
    'px-schema-editor': PxSchemaEditor
  }
}

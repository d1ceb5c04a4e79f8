import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { isMissing } from '../../shared/data/number-format'
import { COLUMN_TYPES, type TaskSchema, taskSchemaSchema } from '../../shared/tasks/schema'
import { describeSchemaIssues } from '../../shared/tasks/schema-errors'
import type { ColumnVerdict } from '../../shared/tasks/schema-inference'
import {
  type ColumnRole,
  type ColumnType,
  type DraftColumn,
  draftJson,
  layoutOf,
  readDraft,
  retyped,
  type SchemaDraft,
  suspiciousValues,
  withColumn,
  withRole,
} from './schema-draft'
import { theme } from './theme'

/** How each spelling of "not available" shows; only those `isMissing` reads as missing are listed. */
const MISSING_MARKERS = ['', 'NA', 'N/A', 'NaN', 'null', 'none', '?', '-']
  .filter(isMissing)
  .map((m) => (m === '' ? '(blank)' : m))

/** A list typed as "a, b, c": trimmed, blanks dropped. */
const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/**
 * Checks a schema's JSON text. Problems name the column and the field and say what is allowed
 * (`describeSchemaIssues`); `message` joins them.
 */
export function readSchemaText(
  text: string,
): { ok: true; schema: TaskSchema } | { ok: false; json: unknown; message: string; problems: string[] } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    const message = `not JSON (${error instanceof Error ? error.message : String(error)})`
    return { ok: false, json: null, message, problems: [message] }
  }
  const parsed = taskSchemaSchema.safeParse(json)
  if (parsed.success) return { ok: true, schema: parsed.data }
  const problems = describeSchemaIssues(json, parsed.error.issues)
  return { ok: false, json, message: problems.join('; '), problems }
}

/**
 * Edits a task schema as a form: one row per column of the file with its role (feature, label or ignored; exactly
 * one label), its type, range or categories, or the label's classes, and what inference made of it; below, the
 * missing-value policy and the schema's problems in words. The JSON stays available behind a toggle, kept in step
 * both ways. Used wherever a schema is written: the coordinator's task creator and the market's listing form.
 * `notes` (what inference made of each column, left-out ones included) give the file's columns and their order.
 * Emits `px-schema-input` ({ text }) on every edit; the owner holds the text and passes it back as `text`.
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
      table {
        width: 100%;
        table-layout: auto;
      }
      th,
      td {
        white-space: normal;
        overflow-wrap: anywhere;
        vertical-align: top;
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
        max-width: 100%;
        box-sizing: border-box;
      }
      input.num {
        width: 6rem;
      }
      input.list {
        width: 100%;
        min-width: 8rem;
      }
      .range {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem;
        align-items: center;
      }
      .problem {
        color: var(--px-bad);
      }
      .warning {
        color: var(--px-warn);
      }
      ul {
        margin: 0;
        padding-left: 1.2rem;
      }
      td.note {
        color: var(--px-muted);
        font-size: 0.8rem;
      }
      tr.ignored th,
      tr.ignored td {
        color: var(--px-muted);
      }
      .caption {
        font-size: 0.85rem;
        color: var(--px-muted);
      }
      caption {
        text-align: left;
        padding-bottom: 0.3rem;
      }
    `,
  ]

  /** The schema as JSON text (the owner's state). */
  @property() text = ''
  /** data-testid of the JSON textarea, so each page keeps its own. */
  @property({ attribute: 'textarea-testid' }) textareaTestId = 'schema-json'
  /** What inference made of each column of the file, if the schema was inferred. */
  @property({ attribute: false }) notes: readonly ColumnVerdict[] = []

  @state() private draft: SchemaDraft | null = null
  @state() private jsonOpen = false
  /** Why the JSON last typed could not be read into the form (the form keeps its last readable state). */
  @state() private unreadable: string | null = null
  #emitted = ''

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('text') || this.text === this.#emitted) return
    this.#emitted = this.text
    this.unreadable = null
    if (this.text.trim() === '') {
      this.draft = null
      return
    }
    const read = readDraft(this.text, layoutOf(this.notes))
    this.draft = read.ok ? read.draft : null
    if (!read.ok) this.jsonOpen = true
  }

  override render(): TemplateResult {
    const draft = this.draft
    const checked = this.text.trim() === '' ? null : readSchemaText(this.text)
    const problems = this.unreadable ? [this.unreadable] : checked && !checked.ok ? checked.problems : []
    const showJson = this.jsonOpen || !draft
    return html`
      ${draft ? this.#form(draft) : nothing}
      ${
        problems.length
          ? html`<div class="problem" data-testid="schema-problem" role="status">Schema, still to fix:
              <ul>${problems.map((p) => html`<li>${p}</li>`)}</ul></div>`
          : nothing
      }
      ${
        draft
          ? html`<div><button type="button" data-testid="schema-json-toggle" aria-expanded=${showJson} aria-controls="schema-json"
              @click=${() => (this.jsonOpen = !this.jsonOpen)}>${showJson ? 'Hide' : 'Show'} the JSON</button></div>`
          : nothing
      }
      ${
        showJson
          ? html`<label class="caption" for="schema-json">Schema as JSON: features with type ${COLUMN_TYPES.join(', ')} (numeric and integer with min and max,
              categorical with categories); the label with its classes; missing: drop-row or impute.</label>
              <textarea id="schema-json" data-testid=${this.textareaTestId} .value=${this.text} @input=${this.#typed}></textarea>`
          : nothing
      }
    `
  }

  #form(draft: SchemaDraft): TemplateResult {
    // What inference saw; said as a suggestion once the person gave the column another role.
    const noteOf = (c: DraftColumn) => {
      const verdict = this.notes.find((n) => n.name === c.name)
      if (!verdict) return ''
      const role = verdict.role === 'left-out' ? 'ignored' : verdict.role
      return role === c.role ? verdict.note : `inference suggested: ${verdict.note}`
    }
    const label = draft.columns.find((c) => c.role === 'label')
    const warnings = draft.columns.flatMap((c) =>
      c.role === 'ignored'
        ? []
        : suspiciousValues(c.values).map(
            (v) =>
              `column "${c.name}": "${v}" looks like a missing-value marker, not a ${c.role === 'label' ? 'class' : 'category'}; remove it to leave such rows out (tabs report them)`,
          ),
    )
    const rows = this.notes.find((n) => n.name === '(rows)')
    return html`
      <table data-testid="schema-table">
        <caption class="caption">
          Each column of the file: its role (exactly one label, the class to predict), its type, and its range or
          categories. ${label ? html`Label: <b>${label.name}</b>.` : html`<b>Choose the label.</b>`}
        </caption>
        <thead><tr><th scope="col">Column</th><th scope="col">Role</th><th scope="col">Type</th><th scope="col">Range, categories or classes</th><th scope="col">From the file</th></tr></thead>
        <tbody>${draft.columns.map((c, i) => this.#row(draft, c, i, noteOf(c)))}</tbody>
      </table>
      ${rows ? html`<p class="caption">${rows.note}</p>` : nothing}
      <p class="caption">
        <label>A row with a missing value is
          <select data-testid="schema-missing" .value=${draft.missing} @change=${(e: Event) => this.#set({ ...draft, missing: value(e) === 'impute' ? 'impute' : 'drop-row' })}>
            <option value="drop-row" ?selected=${draft.missing === 'drop-row'}>left out</option>
            <option value="impute" ?selected=${draft.missing === 'impute'}>kept, the value imputed</option>
          </select></label>
        (a missing label always leaves its row out). Read as missing in every column: ${MISSING_MARKERS.join(', ')}.
      </p>
      ${warnings.length ? html`<ul class="warning" data-testid="schema-warning">${warnings.map((w) => html`<li>${w}</li>`)}</ul>` : nothing}
    `
  }

  #row(draft: SchemaDraft, c: DraftColumn, i: number, note: string): TemplateResult {
    const testId = {
      feature: 'schema-feature-row',
      label: 'schema-label-row',
      ignored: 'schema-ignored-row',
    }[c.role]
    const set = (change: Partial<DraftColumn>) => this.#set(withColumn(draft, i, change))
    return html`<tr data-testid=${testId} class=${c.role}>
      <th scope="row">${c.name}</th>
      <td>
        <select data-testid="schema-role" aria-label=${`${c.name}: role`} @change=${(e: Event) => this.#set(withRole(draft, i, value(e) as ColumnRole))}>
          ${(['feature', 'label', 'ignored'] as const).map((r) => html`<option value=${r} ?selected=${r === c.role}>${r}</option>`)}
        </select>
      </td>
      <td>${this.#type(c, set)}</td>
      <td>${this.#values(c, set)}</td>
      <td class="note">${note}</td>
    </tr>`
  }

  #type(c: DraftColumn, set: (change: Partial<DraftColumn>) => void): TemplateResult | string {
    if (c.role === 'label') return 'categorical (its classes)'
    if (c.role === 'ignored') return 'not used'
    return html`<select data-testid="schema-type" aria-label=${`${c.name}: type`} @change=${(e: Event) => set(retyped(c, (value(e) || null) as ColumnType | null))}>
      <option value="" ?selected=${c.type === null}>choose…</option>
      ${COLUMN_TYPES.map((t) => html`<option value=${t} ?selected=${t === c.type}>${t}</option>`)}
    </select>`
  }

  #values(c: DraftColumn, set: (change: Partial<DraftColumn>) => void): TemplateResult | typeof nothing {
    const number = (e: Event) => (value(e).trim() === '' ? null : Number(value(e)))
    if (c.role === 'label')
      return html`<input class="list" data-testid="schema-classes" aria-label=${`${c.name}: classes, separated by commas`}
        .value=${c.values.join(', ')} @change=${(e: Event) => set({ values: splitList(value(e)) })} />`
    if (c.role === 'ignored') return nothing
    switch (c.type) {
      case 'numeric':
      case 'integer':
        return html`<span class="range">
          <input class="num" type="number" step="any" data-testid="schema-min" aria-label=${`${c.name}: min`} .value=${c.min === null ? '' : String(c.min)} @change=${(e: Event) => set({ min: number(e) })} />
          to
          <input class="num" type="number" step="any" data-testid="schema-max" aria-label=${`${c.name}: max`} .value=${c.max === null ? '' : String(c.max)} @change=${(e: Event) => set({ max: number(e) })} />
        </span>`
      case 'categorical':
        return html`<input class="list" data-testid="schema-categories" aria-label=${`${c.name}: categories, separated by commas`}
          .value=${c.values.join(', ')} @change=${(e: Event) => set({ values: splitList(value(e)) })} />`
      case 'boolean':
        return html`<span class="muted">true/false, yes/no, 1/0</span>`
      case null:
        return nothing
      default: {
        const _exhaustive: never = c.type
        throw new Error(`unknown column type ${String(_exhaustive)}`)
      }
    }
  }

  /** A form edit: the draft, and its JSON to the owner. */
  #set(draft: SchemaDraft): void {
    this.draft = draft
    this.unreadable = null
    this.#emit(JSON.stringify(draftJson(draft), null, 2))
  }

  /** A JSON edit: the form follows when the text reads as a schema's shape. */
  #typed(e: Event): void {
    const text = value(e)
    this.jsonOpen = true
    if (text.trim() === '') {
      this.draft = null
      this.unreadable = null
    } else {
      const read = readDraft(text, this.draft)
      if (read.ok) this.draft = read.draft
      this.unreadable = read.ok ? null : read.message
    }
    this.#emit(text)
  }

  #emit(text: string): void {
    this.#emitted = text
    this.text = text
    this.dispatchEvent(
      new CustomEvent('px-schema-input', { detail: { text }, bubbles: true, composed: true }),
    )
  }
}

const value = (e: Event): string => (e.target as HTMLInputElement | HTMLSelectElement).value

declare global {
  interface HTMLElementTagNameMap {
    'px-schema-editor': PxSchemaEditor
  }
}

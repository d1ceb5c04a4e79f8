import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { csvLine } from '../../shared/data/csv-cell'
import type { TaskInfo } from '../../shared/protocol'
import type { CsvReport } from '../data/csv/csv-report'
import type { SavedRowsInfo } from '../data/csv/saved-rows'
import type { CsvChoices } from '../training/trainer-port'
import { theme } from './theme'
import './px-csv-report'

/**
 * Picking the tab's CSV for a task: a file input and a drop zone, delimiter and decimal choices, a progress bar, the
 * report, and the join button. Emits `px-file` ({ file, choices }) and `px-join`. The file is read in the training
 * worker; nothing here sends it anywhere.
 */
@customElement('px-csv-loader')
export class PxCsvLoader extends LitElement {
  static override styles = [
    theme,
    css`
      .drop {
        border: 2px dashed var(--px-line);
        border-radius: 10px;
        padding: 1.5rem;
        text-align: center;
      }
      .drop.over {
        border-color: var(--px-accent);
        background: #eef3fe;
      }
      .choices {
        display: flex;
        gap: 1rem;
        flex-wrap: wrap;
        margin: 0.75rem 0;
        font-size: 0.9rem;
      }
      code {
        font-size: 0.85rem;
        word-break: break-all;
      }
      .saved {
        background: #eef3fe;
        padding: 0.6rem 0.8rem;
        border-radius: 8px;
      }
      .remember {
        font-size: 0.9rem;
      }
    `,
  ]

  @property({ attribute: false }) task: TaskInfo | null = null
  @property({ attribute: false }) report: CsvReport | null = null
  @property({ type: Number }) progress = 0
  @property({ type: Boolean }) loading = false
  @property({ attribute: false }) saved: SavedRowsInfo | null = null
  @state() private over = false
  @state() private remember = false
  @state() private delimiter: NonNullable<CsvChoices['delimiter']> = 'auto'
  @state() private decimal: NonNullable<CsvChoices['decimal']> = 'auto'
  #file: File | null = null

  override render(): TemplateResult {
    const task = this.task
    if (task?.dataset.kind !== 'csv') return html``
    const schema = task.dataset.schema
    const header = csvLine([...schema.features.map((f) => f.name), schema.label.name])
    const usable = this.report && !this.report.fatal && !this.loading
    return html`
      <p class="muted">
        The file needs a header line with these columns (in any order; other columns are ignored): <code>${header}</code>.
        Labels: ${schema.label.classes.join(', ')}.
      </p>
      ${
        this.saved
          ? html`<p class="saved" data-testid="saved-rows">
              This browser kept ${this.saved.rows} rows from <b>${this.saved.fileName}</b> (${new Date(this.saved.savedAt).toLocaleString()}).
              <button class="primary" data-testid="use-saved" @click=${() => this.#emit('px-use-saved', null)}>Use them</button>
              <button data-testid="forget-saved" @click=${() => this.#emit('px-forget-saved', null)}>Forget them</button>
            </p>`
          : nothing
      }
      <div
        class="drop ${this.over ? 'over' : ''}"
        @dragover=${(e: DragEvent) => {
          e.preventDefault()
          this.over = true
        }}
        @dragleave=${() => {
          this.over = false
        }}
        @drop=${this.#drop}
      >
        <p>Drop a CSV here, or</p>
        <input type="file" accept=".csv,.tsv,.txt,text/csv" data-testid="csv-input" aria-label="Your CSV file" @change=${this.#picked} />
      </div>
      <div class="choices">
        <label>Delimiter
          <select @change=${(e: Event) => this.#choose('delimiter', (e.target as HTMLSelectElement).value)}>
            <option value="auto">detect</option><option value=",">comma</option><option value=";">semicolon</option>
            <option value="\t">tab</option><option value="|">pipe</option>
          </select>
        </label>
        <label>Decimal mark
          <select @change=${(e: Event) => this.#choose('decimal', (e.target as HTMLSelectElement).value)}>
            <option value="auto">detect</option><option value=".">point (1,234.5)</option><option value=",">comma (1.234,5)</option>
          </select>
        </label>
      </div>
      ${this.loading ? html`<p>Reading… <progress max="1" .value=${this.progress}></progress></p>` : nothing}
      <px-csv-report .report=${this.report} .classNames=${task.classNames}></px-csv-report>
      ${
        this.report && !this.report.fatal
          ? html`<p>
              <label class="remember">
                <input type="checkbox" data-testid="remember" .checked=${this.remember} @change=${(
                  e: Event,
                ) => {
                  this.remember = (e.target as HTMLInputElement).checked
                }} />
                Keep these rows in this browser (IndexedDB) so a reload can reuse them
              </label>
              <br />
              <button class="primary" data-testid="join" ?disabled=${!usable} @click=${() => this.#emit('px-join', { remember: this.remember })}>
                Join with ${this.report.rows.valid} row${this.report.rows.valid === 1 ? '' : 's'}${this.report.rows.dropped ? ` (${this.report.rows.dropped} left out)` : ''}
              </button>
              <span class="muted">or fix the file and pick it again.</span>
            </p>`
          : nothing
      }
    `
  }

  #picked(event: Event): void {
    const file = (event.target as HTMLInputElement).files?.[0]
    if (file) this.#read(file)
  }

  #drop(event: DragEvent): void {
    event.preventDefault()
    this.over = false
    const file = event.dataTransfer?.files[0]
    if (file) this.#read(file)
  }

  #choose(which: 'delimiter' | 'decimal', value: string): void {
    if (which === 'delimiter') this.delimiter = value as typeof this.delimiter
    else this.decimal = value as typeof this.decimal
    if (this.#file) this.#read(this.#file)
  }

  #read(file: File): void {
    this.#file = file
    this.#emit('px-file', { file, choices: { delimiter: this.delimiter, decimal: this.decimal } })
  }

  #emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }))
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-csv-loader': PxCsvLoader
  }
}

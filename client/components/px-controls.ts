import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { ControlAction, DashboardSnapshot } from '../../shared/protocol'
import type { TrainingConfig, TrainingConfigPatch } from '../../shared/rounds/config'
import { theme } from './theme'

type NumericField = Exclude<keyof TrainingConfig, 'optimizer' | 'privacy' | 'encryption' | 'robustness'>

const FIELDS: { key: NumericField; label: string; step: string; scale?: number }[] = [
  { key: 'rounds', label: 'Rounds', step: '1' },
  { key: 'localEpochs', label: 'Local epochs', step: '1' },
  { key: 'batchSize', label: 'Batch size', step: '1' },
  { key: 'learningRate', label: 'Learning rate', step: 'any' },
  { key: 'clientsPerRound', label: 'Clients per round (0 = all)', step: '1' },
  { key: 'minClients', label: 'Minimum clients', step: '1' },
  { key: 'quorumFraction', label: 'Quorum (share of selected)', step: 'any' },
  { key: 'roundDeadlineMs', label: 'Round deadline (s)', step: 'any', scale: 1000 },
]

/**
 * Start, pause, reset and the training settings. Emits `px-control` ({ action }) and `px-configure` ({ patch });
 * the page answers through `message`.
 */
@customElement('px-controls')
export class PxControls extends LitElement {
  static override styles = [
    theme,
    css`
      .buttons {
        display: flex;
        gap: 0.5rem;
        margin-bottom: 1rem;
      }
      .message {
        margin: 0.75rem 0 0;
        font-size: 0.9rem;
      }
      .error {
        color: var(--px-bad);
      }
    `,
  ]

  @property({ attribute: false }) snapshot: DashboardSnapshot | null = null
  @property({ attribute: false }) message: { ok: boolean; text: string } | null = null

  override render(): TemplateResult {
    const s = this.snapshot
    if (!s) return html``
    const locked = !s.canControl
    const running = s.phase === 'training' || s.phase === 'waiting'
    return html`
      <div class="buttons">
        <button class="primary" data-testid="start" ?disabled=${locked || running} @click=${() => this.#emit('px-control', { action: 'start' })}>Start</button>
        <button data-testid="pause" ?disabled=${locked || !running} @click=${() => this.#emit('px-control', { action: 'pause' })}>Pause</button>
        <button data-testid="reset" ?disabled=${locked} @click=${() => this.#emit('px-control', { action: 'reset' })}>Reset</button>
      </div>
      <form class="settings" @submit=${this.#submit}>
        ${FIELDS.map(
          (f) => html`<label
            >${f.label}
            <input name=${f.key} type="number" step=${f.step} min="0" ?disabled=${locked} value=${String(s.config[f.key] / (f.scale ?? 1))}
          /></label>`,
        )}
        <label
          >Optimizer
          <select name="optimizer" ?disabled=${locked}>
            ${(['adam', 'sgd'] as const).map((o) => html`<option value=${o} ?selected=${s.config.optimizer === o}>${o}</option>`)}
          </select>
        </label>
        <div class="submit"><button type="submit" data-testid="apply-settings" ?disabled=${locked}>Apply settings</button></div>
      </form>
      ${locked ? html`<p class="message muted">Watching only: open the coordinator URL with its token (printed at start) to control training.</p>` : nothing}
      ${this.message ? html`<p class="message ${this.message.ok ? '' : 'error'}" data-testid="control-message">${this.message.text}</p>` : nothing}
    `
  }

  #submit(event: SubmitEvent): void {
    event.preventDefault()
    const config = this.snapshot?.config
    if (!config) return
    const form = new FormData(event.target as HTMLFormElement)
    const patch: Record<string, unknown> = {}
    for (const f of FIELDS) {
      const raw = String(form.get(f.key) ?? '').trim()
      const value = Number(raw) * (f.scale ?? 1)
      if (raw === '' || !Number.isFinite(value)) {
        this.message = { ok: false, text: `${f.label}: "${raw}" is not a number` }
        return
      }
      if (value !== config[f.key]) patch[f.key] = value
    }
    const optimizer = form.get('optimizer')
    if (optimizer !== config.optimizer) patch['optimizer'] = optimizer
    this.#emit('px-configure', { patch: patch as TrainingConfigPatch })
  }

  #emit(type: 'px-control', detail: { action: ControlAction }): void
  #emit(type: 'px-configure', detail: { patch: TrainingConfigPatch }): void
  #emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }))
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-controls': PxControls
  }
}

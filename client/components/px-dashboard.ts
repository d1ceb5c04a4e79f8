import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, state } from 'lit/decorators.js'
import { learningWarning } from '../../shared/metrics/learning-check'
import type { ControlAction, CreateTaskRequest, DashboardSnapshot, RoundRecord } from '../../shared/protocol'
import type { TrainingConfigPatch } from '../../shared/rounds/config'
import { DashboardController } from '../controllers/dashboard-controller'
import { bytes, clock, decimal, percent, seconds } from './format'
import type { ChartSeries } from './px-metrics-chart'
import { theme } from './theme'
import './px-clients-table'
import './px-controls'
import './px-event-log'
import './px-refusals'
import './px-chain-explorer'
import './px-metrics-chart'
import './px-privacy-panel'
import './px-encryption-panel'
import './px-robustness-panel'
import './px-statistics-panel'
import './px-task-creator'

const LOSS_SERIES: ChartSeries[] = [
  { label: 'held-out loss', color: '#c0392b', value: (r) => r.evaluation?.loss ?? null },
  { label: 'training loss (participants)', color: '#e08e45', value: (r) => r.trainLoss, dashed: true },
]

const QUALITY_SERIES: ChartSeries[] = [
  { label: 'accuracy', color: '#2f6fed', value: (r) => r.evaluation?.accuracy ?? null },
  { label: 'precision', color: '#8e44ad', value: (r) => r.evaluation?.precision ?? null },
  { label: 'recall', color: '#16a085', value: (r) => r.evaluation?.recall ?? null },
  { label: 'F1', color: '#d35400', value: (r) => r.evaluation?.f1 ?? null },
  {
    label: 'majority class',
    color: '#95a5a6',
    value: (r) => r.evaluation?.majorityRate ?? null,
    dashed: true,
  },
]

const PHASE_TEXT: Record<DashboardSnapshot['phase'], string> = {
  idle: 'idle: press Start',
  waiting: 'waiting for clients',
  training: 'training',
  paused: 'paused',
  stopped: 'stopped: budget reached',
  finished: 'finished',
}

/** The live coordinator page: rounds, tabs, metrics over rounds, controls and the event log. */
@customElement('px-dashboard')
export class PxDashboard extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
        max-width: 1280px;
        margin: 0 auto;
        padding: 1.5rem;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: baseline;
        margin-bottom: 1rem;
      }
      h1 {
        font-size: 1.4rem;
        margin: 0;
      }
      .stats {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
        gap: 1rem;
        margin-bottom: 1rem;
      }
      .stat b {
        display: block;
        font-size: 1.5rem;
        font-variant-numeric: tabular-nums;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
        gap: 1rem;
        margin-bottom: 1rem;
      }
      section {
        margin-bottom: 1rem;
      }
      .scroll {
        overflow-x: auto;
      }
      /* A wide table takes the grid's whole row, so it fits without scrolling sideways. */
      .grid > .wide {
        grid-column: 1 / -1;
      }
      nav.tasks {
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
        margin-bottom: 0.5rem;
      }
      nav.tasks button {
        font: inherit;
        padding: 0.35rem 0.8rem;
        border-radius: 999px;
        border: 1px solid var(--px-line);
        background: white;
        cursor: pointer;
      }
      nav.tasks button.current {
        border-color: var(--px-accent);
        background: #e8eefc;
      }
      pre {
        font-size: 0.8rem;
        overflow: auto;
      }
      .error {
        color: var(--px-bad);
      }
    `,
  ]

  private readonly live = new DashboardController(this)
  @state() private message: { ok: boolean; text: string } | null = null
  @state() private created: { ok: boolean; text: string } | null = null
  @state() private privacyMessage: { ok: boolean; text: string } | null = null
  @state() private encryptionMessage: { ok: boolean; text: string } | null = null
  @state() private robustnessMessage: { ok: boolean; text: string } | null = null
  @state() private statisticsMessage: string | null = null
  @state() private downloadMessage: string | null = null
  /** The run whose rounds the Rounds table shows; null (or a run no longer kept): the current one. */
  @state() private shownRun: number | null = null

  async #collectStatistics(event: CustomEvent<{ epsilon: number }>): Promise<void> {
    const result = await this.live.requestStatistics(event.detail.epsilon)
    this.statisticsMessage = result.ok ? null : result.error.message
  }

  async #createTask(event: CustomEvent<{ request: CreateTaskRequest }>): Promise<void> {
    const result = await this.live.createTask(event.detail.request)
    if (!result.ok) {
      this.created = { ok: false, text: result.error.message }
      return
    }
    this.created = {
      ok: true,
      text: `created "${result.value.name}": tabs join at /?task=${result.value.id}`,
    }
    await this.live.watch(result.value.id)
  }

  override render(): TemplateResult {
    const s = this.live.snapshot
    if (!s) return html`<p>Connecting to the coordinator…</p>`
    const latest = [...s.history].reverse().find((r) => r.evaluation)
    const round = s.round
    return html`
      <header>
        <h1>Privx coordinator</h1>
        <span class="badge" data-testid="phase" title=${s.stopped ?? ''}>${PHASE_TEXT[s.phase]}</span>
        ${s.phase === 'stopped' && s.stopped ? html`<span class="muted" data-testid="stopped-reason">${s.stopped}</span>` : nothing}
        <span class="muted">${s.task.name} · ${s.task.model}</span>
        ${this.live.connected ? nothing : html`<span class="badge">reconnecting…</span>`}
        <a href="/market" data-testid="market-link">Data market</a>
      </header>
      <nav class="tasks" aria-label="tasks">
        ${s.tasks.map(
          (t) => html`<button
            class=${t.id === s.task.id ? 'current' : ''}
            data-testid="task-${t.id}"
            @click=${() => void this.live.watch(t.id)}
          >
            ${t.name} <span class="muted">${t.clients} tabs · ${t.completedRounds}/${t.rounds}</span>
          </button>`,
        )}
      </nav>
      ${this.#learningWarning(s)}
      <p class="muted">
        Tabs join this task at <a href="/?task=${s.task.id}" target="_blank">/?task=${s.task.id}</a>
        ${s.task.source === 'csv' ? ' and pick their own CSV.' : ' with built-in demo data.'}
      </p>
      <div class="stats">
        <div class="card stat">
          <span class="muted">Rounds done <span data-testid="run">(run ${s.run})</span></span>
          <b><span data-testid="completed-rounds">${s.model.round}</span> / ${s.config.rounds}</b>
        </div>
        <div class="card stat">
          <span class="muted">Current round</span>
          <b data-testid="current-round">${round ? round.number : '–'}</b>
          <span class="muted">${round ? `${round.reported}/${round.selected} reported, ${round.dropped} dropped, deadline ${clock(round.deadline)}` : ''}</span>
        </div>
        <div class="card stat">
          <span class="muted">Tabs connected</span>
          <b data-testid="client-count">${s.task.clients}</b>
          <span class="muted">${s.clients ? `${s.clients.filter((c) => c.status === 'training').length} training now` : 'per-tab states need the control token'}</span>
        </div>
        <div class="card stat">
          <span class="muted">Global accuracy (round ${latest?.round ?? '–'})</span>
          <b data-testid="latest-accuracy">${percent(latest?.evaluation?.accuracy)}</b>
          <span class="muted">majority class <span data-testid="majority-rate">${percent(latest?.evaluation?.majorityRate)}</span></span>
        </div>
        <div class="card stat">
          <span class="muted">Model version</span>
          <b style="font-size:1rem" data-testid="model-version">${s.model.version}</b>
          <span class="muted">${s.abandoned} rounds abandoned</span>
          ${
            s.canControl
              ? html`<button data-testid="download-model" @click=${this.#downloadModel}>Download model (TensorFlow.js)</button>
                  ${this.downloadMessage ? html`<span class="muted" data-testid="download-message">${this.downloadMessage}</span>` : nothing}`
              : nothing
          }
        </div>
      </div>
      <section class="card">
        <h2>Training</h2>
        <px-controls .snapshot=${s} .message=${this.message} @px-control=${this.#control} @px-configure=${this.#configure}></px-controls>
      </section>
      <section class="card">
        <h2>Privacy</h2>
        <px-privacy-panel .snapshot=${s} @px-configure=${this.#configure}></px-privacy-panel>
        ${this.privacyMessage ? html`<p class=${this.privacyMessage.ok ? 'muted' : 'error'} data-testid="privacy-message">${this.privacyMessage.text}</p>` : nothing}
      </section>
      <section class="card">
        <h2>Encryption</h2>
        <px-encryption-panel .snapshot=${s} @px-configure=${this.#configure}></px-encryption-panel>
        ${this.encryptionMessage ? html`<p class=${this.encryptionMessage.ok ? 'muted' : 'error'} data-testid="encryption-message">${this.encryptionMessage.text}</p>` : nothing}
      </section>
      <section class="card">
        <h2>Robustness</h2>
        <px-robustness-panel .snapshot=${s} @px-configure=${this.#configure}></px-robustness-panel>
        ${this.robustnessMessage ? html`<p class=${this.robustnessMessage.ok ? 'muted' : 'error'} data-testid="robustness-message">${this.robustnessMessage.text}</p>` : nothing}
      </section>
      <section class="card">
        <h2>Tabs</h2>
        <div class="scroll"><px-clients-table .clients=${s.clients} .verdicts=${Object.assign({}, ...s.history.map((r) => r.verdicts ?? {}))} .clockOffset=${this.live.clockOffset}></px-clients-table></div>
      </section>
      <div class="grid">
        <section class="card">
          <h2>Global model loss</h2>
          <px-metrics-chart .history=${s.history} .series=${LOSS_SERIES}></px-metrics-chart>
        </section>
        <section class="card">
          <h2>Global model quality (held-out data of all tabs)</h2>
          <px-metrics-chart .history=${s.history} .series=${QUALITY_SERIES} unitInterval></px-metrics-chart>
        </section>
      </div>
      ${
        s.task.source === 'csv'
          ? html`<section class="card">
              <h2>Column statistics across tabs (differentially private)</h2>
              <px-statistics-panel .statistics=${s.statistics} ?canControl=${s.canControl} @px-statistics=${this.#collectStatistics}></px-statistics-panel>
              ${this.statisticsMessage ? html`<p class="error">${this.statisticsMessage}</p>` : nothing}
            </section>`
          : nothing
      }
      ${
        s.task.schema
          ? html`<details class="card">
              <summary>Task schema (what each tab's CSV must hold)</summary>
              <pre>${JSON.stringify(s.task.schema, null, 2)}</pre>
            </details>`
          : nothing
      }
      ${
        s.history.some((r) => r.epsilon !== null)
          ? html`<section class="card">
              <h2>Privacy spent per round (epsilon of the released models, delta ${s.privacy.delta})</h2>
              <px-metrics-chart
                .history=${s.history}
                .series=${[
                  { label: 'epsilon', color: '#8e44ad', value: (r: RoundRecord) => r.epsilon },
                  { label: 'budget', color: '#c0392b', value: () => s.privacy.epsilonBudget, dashed: true },
                ]}
              ></px-metrics-chart>
            </section>`
          : nothing
      }
      <div class="grid">
        <section class="card wide">
          <h2>Rounds</h2>
          ${this.#runChooser(s)}
          ${this.#roundsTable(this.#shownHistory(s))}
        </section>
        <section class="card">
          <h2>Events</h2>
          <px-event-log .events=${s.events}></px-event-log>
        </section>
        <section class="card">
          <h2>Refused</h2>
          <px-refusals .refusals=${s.refusals}></px-refusals>
        </section>
      </div>
      <section class="card">
        <h2>Ledger</h2>
        <px-chain-explorer .live=${this.live} .height=${s.chainHeight} ?canControl=${s.canControl}></px-chain-explorer>
      </section>
      ${
        s.canControl
          ? html`<section class="card">
              <h2>New task</h2>
              <px-task-creator .created=${this.created} @px-create-task=${this.#createTask}></px-task-creator>
              ${this.created ? html`<p class=${this.created.ok ? '' : 'error'} data-testid="create-message">${this.created.text}</p>` : nothing}
            </section>`
          : nothing
      }
    `
  }

  /**
   * Saves the global model as model.json + weights.bin (`tf.loadLayersModel` reads them) and the task's schema.json.
   * tfjs is loaded only now: the coordinator page does not need it otherwise.
   */
  #downloadModel = async (): Promise<void> => {
    this.downloadMessage = 'preparing…'
    const model = await this.live.model()
    if (!model.ok) {
      this.downloadMessage = model.error.message
      return
    }
    const { exportModel, MODEL_FILES } = await import('../training/model-export')
    const { task, version, weights } = model.value
    const files = await exportModel(task, new Float32Array(weights as ArrayBuffer))
    saveFile(MODEL_FILES.model, new Blob([files.modelJson], { type: 'application/json' }))
    saveFile(MODEL_FILES.weights, new Blob([files.weights.slice()], { type: 'application/octet-stream' }))
    if (files.schema) saveFile(MODEL_FILES.schema, new Blob([files.schema], { type: 'application/json' }))
    this.downloadMessage = `model ${version}: ${MODEL_FILES.model}, ${MODEL_FILES.weights}${files.schema ? `, ${MODEL_FILES.schema}` : ''} (keep them in one folder)`
  }

  #learningWarning(s: DashboardSnapshot): TemplateResult | typeof nothing {
    const warning = learningWarning(s.history, s.config)
    return warning
      ? html`<p class="error" role="status" data-testid="learning-warning">${warning}</p>`
      : nothing
  }

  /** The rounds of the run chosen in the run list: the current one unless an earlier run (before a reset) is. */
  #shownHistory(s: DashboardSnapshot): readonly RoundRecord[] {
    return s.earlierRuns.find((r) => r.run === this.shownRun)?.history ?? s.history
  }

  #runChooser(s: DashboardSnapshot): TemplateResult | typeof nothing {
    if (s.earlierRuns.length === 0) return nothing
    const shown = s.earlierRuns.some((r) => r.run === this.shownRun) ? this.shownRun : s.run
    return html`<label class="muted"
      >Run
      <select
        data-testid="run-select"
        @change=${(e: Event) => (this.shownRun = Number((e.target as HTMLSelectElement).value))}
      >
        ${[...s.earlierRuns.map((r) => r.run), s.run].map(
          (run) =>
            html`<option value=${run} ?selected=${run === shown}>${run === s.run ? `${run} (this run)` : `${run} (before a reset)`}</option>`,
        )}
      </select></label
    >`
  }

  #roundsTable(history: readonly RoundRecord[]): TemplateResult {
    return html`<table>
      <thead>
        <tr><th>Round</th><th>Tabs</th><th>Examples</th><th>Time</th><th>Loss</th><th>Accuracy</th><th>F1</th><th>Reports</th><th title="amplified by the sampling rate: against an observer who does not see participation (the Privacy panel gives the figure against the public)">ε (participation unseen)</th><th>Encrypted sum</th></tr>
      </thead>
      <tbody>
        ${[...history].reverse().map(
          (r) => html`<tr data-testid="round-row">
            <td title=${r.version}>${r.round}</td>
            <td>${r.participants || '–'}</td>
            <td>${r.examples || '–'}</td>
            <td>${seconds(r.durationMs)}</td>
            <td>${decimal(r.evaluation?.loss)}</td>
            <td>${percent(r.evaluation?.accuracy)}</td>
            <td>${percent(r.evaluation?.f1)}</td>
            <td>${r.evaluation?.reports ?? 0}</td>
            <td data-testid="round-epsilon">${r.epsilon === null ? '–' : r.epsilon.toFixed(3)}</td>
            <td data-testid="round-ciphertext">${r.encryption ? html`<code title=${r.encryption.sumHash}>${r.encryption.sumHash.slice(0, 10)}</code> ${bytes(r.encryption.bytesIn)} in` : '–'}</td>
          </tr>`,
        )}
      </tbody>
    </table>`
  }

  async #control(event: CustomEvent<{ action: ControlAction }>): Promise<void> {
    const result = await this.live.control(event.detail.action)
    this.message = result.ok
      ? { ok: true, text: `${event.detail.action}: done` }
      : { ok: false, text: result.error.message }
  }

  async #configure(event: CustomEvent<{ patch: TrainingConfigPatch }>): Promise<void> {
    const fromPrivacy = 'privacy' in event.detail.patch
    const fromEncryption = 'encryption' in event.detail.patch
    const fromRobustness = 'robustness' in event.detail.patch
    const say = (message: { ok: boolean; text: string }): void => {
      if (fromPrivacy) this.privacyMessage = message
      else if (fromEncryption) this.encryptionMessage = message
      else if (fromRobustness) this.robustnessMessage = message
      else this.message = message
    }
    if (Object.keys(event.detail.patch).length === 0) {
      say({ ok: true, text: 'no setting changed' })
      return
    }
    const result = await this.live.configure(event.detail.patch)
    say(
      result.ok
        ? { ok: true, text: 'settings applied from the next round' }
        : { ok: false, text: result.error.message },
    )
  }
}

/** Saves a file from this page (the browser's download), under `name`. */
function saveFile(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

declare global {
  interface HTMLElementTagNameMap {
    'px-dashboard': PxDashboard
  }
}

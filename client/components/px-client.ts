import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement } from 'lit/decorators.js'
import { SessionController, type TabStage } from '../controllers/session-controller'
import type { CsvChoices } from '../training/trainer-port'
import './px-csv-loader'
import './px-private-inference'
import './px-saved-model'
import type { SessionSnapshot } from '../session/federated-session'
import { clock, decimal, percent, seconds } from './format'
import './px-tab-protection'
import { sessionStatusText } from './session-status'
import { definitionList, theme } from './theme'

const STAGE_TEXT: Record<TabStage, string> = {
  starting: 'Starting the training worker…',
  choosing: 'Choose a task',
  'loading-data': 'Pick your CSV',
  joined: 'Joining…',
  failed: 'Cannot train',
}

/** A training tab: who it is, its round progress, its local metrics and the global model's. */
@customElement('px-client')
export class PxClient extends LitElement {
  static override styles = [
    theme,
    definitionList,
    css`
      :host {
        display: block;
        max-width: 960px;
        margin: 0 auto;
        padding: 1.5rem;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0.75rem;
        margin-bottom: 1rem;
      }
      h1 {
        font-size: 1.4rem;
        margin: 0;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
        gap: 1rem;
        margin-top: 1rem;
      }
      .notices {
        list-style: none;
        padding: 0;
        margin: 0;
        font-size: 0.85rem;
        max-height: 12rem;
        overflow: auto;
      }
      .error {
        color: var(--px-bad);
      }
      .warning {
        color: var(--px-warn);
      }
      .privacy {
        font-size: 0.85rem;
      }
      td {
        white-space: normal;
        vertical-align: top;
      }
    `,
  ]

  private readonly session = new SessionController(this)

  override render(): TemplateResult {
    const c = this.session
    const s = c.snapshot
    const status = s ? sessionStatusText(s) : STAGE_TEXT[c.stage]
    return html`
      <header>
        <h1>Privx tab <span data-testid="client-id">${s?.clientId ?? (c.stage === 'joined' ? '…' : '')}</span></h1>
        <span class="badge" data-testid="backend">backend: ${c.backendReason || s?.backend || '…'}</span>
        <span class="badge" data-testid="status" title=${s?.taskState?.stopped ?? ''}>${status}</span>
        ${s?.taskState?.phase === 'stopped' && s.taskState.stopped ? html`<span class="muted" data-testid="stopped-reason">${s.taskState.stopped}</span>` : nothing}
        ${c.task ? html`<span class="muted" data-testid="task-name">${c.task.name}</span>` : nothing}
        <a href="/market" data-testid="market-link">Data market</a>
      </header>
      ${c.error ? html`<p class="error">${c.error}</p>` : nothing}
      ${c.stage === 'choosing' ? this.#chooser() : nothing}
      ${
        c.stage === 'loading-data'
          ? html`<section class="card">
              <h2>Your data for “${c.task?.name}”</h2>
              <px-csv-loader
                .task=${c.task}
                .report=${c.csv.report}
                .progress=${c.csv.progress}
                ?loading=${c.csv.loading}
                @px-file=${(e: CustomEvent<{ file: File; choices: CsvChoices }>) => void c.loadFile(e.detail.file, e.detail.choices)}
                .saved=${c.csv.saved}
                @px-join=${(e: CustomEvent<{ remember: boolean }>) => void c.join(e.detail.remember)}
                @px-use-saved=${() => void c.useSaved()}
                @px-forget-saved=${() => void c.forgetSaved()}
              ></px-csv-loader>
              <p class="muted privacy">The file is read in this tab's training worker. Its rows are never sent: only model updates, counts and evaluation counts are, and training loss and accuracy when the task trains without differential privacy.</p>
            </section>`
          : nothing
      }
      ${s ? this.#body(s) : nothing}
    `
  }

  #chooser(): TemplateResult {
    return html`<section class="card">
      <h2>Choose a task to join</h2>
      <table>
        <thead><tr><th>Task</th><th>Data</th><th>Model</th><th>Tabs</th><th>State</th><th></th></tr></thead>
        <tbody>
          ${this.session.tasks.map(
            ({ summary, task }) => html`<tr>
              <td><b>${summary.name}</b><br /><span class="muted">${summary.description}</span>
                ${task.stake ? html`<br /><span class="muted" data-testid="stake-${summary.id}">Joining locks a stake of ${task.stake.tokens} tokens from this tab's account (its faucet grant is claimed if needed): returned when the task ends; an update rejected as broken forfeits ${task.stake.slashPercent ?? 50}% of it.</span>` : nothing}
              </td>
              <td>${summary.source === 'csv' ? 'your CSV' : 'built-in demo'}</td>
              <td>${summary.model}</td>
              <td>${summary.clients}</td>
              <td>${summary.phase}, ${summary.completedRounds}/${summary.rounds} rounds</td>
              <td><button class="primary" data-testid="choose-${summary.id}" @click=${() => this.session.choose(summary.id)}>
                ${summary.source === 'csv' ? 'Pick my CSV' : 'Join'}
              </button></td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`
  }

  #body(s: SessionSnapshot): TemplateResult {
    return html`
      <section class="card">
        <h2>Round ${s.round ?? '–'} ${s.deadline && s.status === 'training' ? html`<span class="muted">(deadline ${clock(s.deadline)})</span>` : nothing}</h2>
        <progress data-testid="round-progress" max="1" .value=${s.progress}></progress>
        <p class="muted">
          ${s.roundsTrained} rounds trained here · ${s.data ? `${s.data.trainExamples} training and ${s.data.testExamples} held-out examples` : 'no data yet'}
          ${s.data ? html` · class balance ${s.data.classBalance.map((share) => percent(share)).join(' / ')}` : nothing}
        </p>
        <p class="muted">${s.task ? `${s.task.name}: ${s.task.description}` : ''}</p>
      </section>
      <div class="grid">
        <section class="card">
          <h2>Local training</h2>
          <dl>
            <dt>Round</dt><dd>${s.lastTraining?.round ?? '–'}</dd>
            <dt>Loss</dt><dd data-testid="local-loss">${decimal(s.lastTraining?.loss)}</dd>
            <dt>Accuracy</dt><dd>${percent(s.lastTraining?.accuracy)}</dd>
            <dt>Time</dt><dd>${seconds(s.lastTraining?.durationMs)}</dd>
          </dl>
        </section>
        <section class="card">
          <h2>Global model on my held-out data</h2>
          <dl>
            <dt>Model</dt><dd>${s.localEvaluation?.version ?? '–'}</dd>
            <dt>Loss</dt><dd>${decimal(s.localEvaluation?.metrics.loss)}</dd>
            <dt>Accuracy</dt><dd>${percent(s.localEvaluation?.metrics.accuracy)}</dd>
            <dt>F1</dt><dd>${percent(s.localEvaluation?.metrics.f1)}</dd>
          </dl>
        </section>
        <section class="card">
          <h2>Global model, all tabs</h2>
          <dl>
            <dt>Round</dt><dd data-testid="global-round">${s.federation?.round ?? s.global?.round ?? '–'}</dd>
            <dt>Loss</dt><dd>${decimal(s.federation?.metrics.loss)}</dd>
            <dt>Accuracy</dt><dd data-testid="global-accuracy">${percent(s.federation?.metrics.accuracy)}</dd>
            <dt>Precision / recall</dt><dd>${percent(s.federation?.metrics.precision)} / ${percent(s.federation?.metrics.recall)}</dd>
            <dt>F1</dt><dd>${percent(s.federation?.metrics.f1)}</dd>
            <dt>Held here</dt>
            <dd title=${s.global?.digest ?? ''}>round ${s.global?.round ?? '–'}, weights SHA-256 <code data-testid="model-digest">${s.global?.digest.slice(0, 16) ?? '–'}</code></dd>
          </dl>
        </section>
      </div>
      <div class="grid">
        <section class="card">
          <h2>Activity</h2>
          <ul class="notices">
            ${[...s.notices].reverse().map((n) => html`<li class=${n.level}>${clock(n.at)} ${n.text}</li>`)}
          </ul>
        </section>
        <px-tab-protection .snapshot=${s} @px-accept-weaker=${() => this.session.acceptWeakerProtection()}></px-tab-protection>
        <section class="card" data-testid="private-inference">
          <h2>Private prediction</h2>
          <px-private-inference .session=${this.session}></px-private-inference>
        </section>
        <section class="card" data-testid="saved-model">
          <h2>A saved model</h2>
          <px-saved-model .session=${this.session}></px-saved-model>
        </section>
        <section class="card" data-testid="account">
          <h2>Account</h2>
          <p><code title=${this.session.keys.address}>${this.session.keys.address.slice(0, 18)}…</code></p>
          <p>Balance: <b data-testid="balance">${this.session.account?.balance ?? '–'}</b> tokens</p>
          ${
            this.session.account &&
            !this.session.account.faucetClaimed &&
            this.session.account.faucetAmount > 0
              ? html`<button data-testid="claim" @click=${() => void this.session.claimTokens()}>Claim ${this.session.account.faucetAmount} tokens</button>`
              : nothing
          }
          ${this.session.accountMessage ? html`<p class="muted" data-testid="account-message">${this.session.accountMessage}</p>` : nothing}
          <p class="muted privacy">Your key stays in this browser; it signs your updates, and rounds you train in pay you from the task's escrow.</p>
        </section>
        <section class="card privacy">
          <h2>What leaves this tab</h2>
          <p class="muted">
            Rows stay in this tab's training worker. The coordinator receives only the weight change after each round
            (encrypted when encryption is on), example counts, and counts of right and wrong predictions on the
            held-out split.
          </p>
        </section>
      </div>
    `
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-client': PxClient
  }
}

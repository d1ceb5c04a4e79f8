import { html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { DashboardSnapshot } from '../../shared/protocol'
import type { RobustnessConfig } from '../../shared/rounds/config'
import { theme } from './theme'

const RULE_TEXT: Record<RobustnessConfig['aggregator'], string> = {
  fedavg: 'FedAvg (weighted mean)',
  median: 'coordinate-wise median',
  'trimmed-mean': 'trimmed mean',
  krum: 'Krum',
  'multi-krum': 'Multi-Krum',
  'centered-clip': 'centered clipping',
}

/**
 * How a task stands against tabs that lie: the aggregation rule, the norm bound applied before it, and the cap on
 * the weight a declared example count buys. Under encryption the coordinator cannot inspect updates, and the panel
 * says what still applies. Emits `px-configure` ({ patch: { robustness } }).
 */
@customElement('px-robustness-panel')
export class PxRobustnessPanel extends LitElement {
  static override styles = [theme]

  @property({ attribute: false }) snapshot: DashboardSnapshot | null = null

  override render(): TemplateResult {
    const s = this.snapshot
    if (!s) return html``
    const r = s.config.robustness
    const locked = !s.canControl
    const bound =
      r.normBound === 'off'
        ? 'no norm bound'
        : r.normBound === 'adaptive'
          ? `updates over ${r.normMultiple}× the round's median norm are ${r.overBound === 'clip' ? 'scaled down to it' : 'left out'}`
          : `updates over norm ${r.normValue} are ${r.overBound === 'clip' ? 'scaled down to it' : 'left out'}`
    return html`
      <p data-testid="robustness-status">
        <b>${RULE_TEXT[r.aggregator]}</b>; ${bound}; a declared example count weighs at most ${r.weightCap}× the
        round's median count.
      </p>
      ${
        s.privacy.mode !== 'off' && s.encryption.mode === 'off'
          ? html`<p class="muted" data-testid="robustness-dp">With differential privacy the rounds are DP-FedAvg: the
              accountant assumes the clipped sum over a fixed denominator, so the rule above applies only to rounds in
              the clear without DP.</p>`
          : nothing
      }
      ${
        s.encryption.mode !== 'off'
          ? html`<p class="muted" data-testid="robustness-encrypted">Encrypted rounds are FedAvg: the coordinator cannot inspect
              updates: it cannot bound their norm or run a robust rule. What still applies: each tab clamps every
              coordinate of its update to ±${s.config.encryption.clamp} before encrypting, and the weight cap bounds
              what a declared count buys.</p>`
          : nothing
      }
      <form class="settings" @submit=${this.#submit}>
        <label>Rule
          <select name="aggregator" data-testid="robustness-rule" ?disabled=${locked}>
            ${(Object.keys(RULE_TEXT) as RobustnessConfig['aggregator'][]).map((k) => html`<option value=${k} ?selected=${r.aggregator === k}>${RULE_TEXT[k]}</option>`)}
          </select>
        </label>
        <label>Trim share β <input name="trimFraction" type="number" step="any" .value=${String(r.trimFraction)} ?disabled=${locked} /></label>
        <label>Krum f <input name="byzantine" type="number" step="1" .value=${String(r.byzantine)} ?disabled=${locked} /></label>
        <label>Centered-clip τ <input name="clipRadius" type="number" step="any" .value=${String(r.clipRadius)} ?disabled=${locked} /></label>
        <label>Norm bound
          <select name="normBound" ?disabled=${locked}>
            ${(['adaptive', 'fixed', 'off'] as const).map((m) => html`<option value=${m} ?selected=${r.normBound === m}>${m}</option>`)}
          </select>
        </label>
        <label>× median norm <input name="normMultiple" type="number" step="any" .value=${String(r.normMultiple)} ?disabled=${locked} /></label>
        <label>Fixed bound <input name="normValue" type="number" step="any" .value=${String(r.normValue)} ?disabled=${locked} /></label>
        <label>Over the bound
          <select name="overBound" ?disabled=${locked}>
            ${(['clip', 'reject'] as const).map((m) => html`<option value=${m} ?selected=${r.overBound === m}>${m}</option>`)}
          </select>
        </label>
        <label>Weight cap (× median) <input name="weightCap" type="number" step="any" .value=${String(r.weightCap)} ?disabled=${locked} /></label>
        <div class="submit"><button type="submit" data-testid="apply-robustness" ?disabled=${locked}>Apply robustness settings</button></div>
      </form>
    `
  }

  #submit(event: SubmitEvent): void {
    event.preventDefault()
    const current = this.snapshot?.config.robustness
    if (!current) return
    const form = new FormData(event.target as HTMLFormElement)
    const text = (name: string) => String(form.get(name) ?? '')
    const number = (name: string) => Number(text(name).trim() || Number.NaN)
    const robustness: RobustnessConfig = {
      ...current,
      aggregator: text('aggregator') as RobustnessConfig['aggregator'],
      trimFraction: number('trimFraction'),
      byzantine: number('byzantine'),
      clipRadius: number('clipRadius'),
      normBound: text('normBound') as RobustnessConfig['normBound'],
      normMultiple: number('normMultiple'),
      normValue: number('normValue'),
      overBound: text('overBound') as RobustnessConfig['overBound'],
      weightCap: number('weightCap'),
    }
    this.dispatchEvent(
      new CustomEvent('px-configure', { detail: { patch: { robustness } }, bubbles: true, composed: true }),
    )
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-robustness-panel': PxRobustnessPanel
  }
}

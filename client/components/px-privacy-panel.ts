import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { computeEpsilon } from '../../shared/privacy/accountant'
import type { DashboardSnapshot } from '../../shared/protocol'
import type { PrivacyConfig } from '../../shared/rounds/config'
import { theme } from './theme'

const MODE_TEXT: Record<PrivacyConfig['mode'], string> = {
  off: 'off',
  local: 'local: each tab adds the full noise',
  distributed: 'distributed: each tab adds its share (for secure aggregation)',
}

/**
 * A task's differential privacy: the settings (client-level DP-FedAvg), the epsilon spent so far against the budget,
 * and what the configured rounds would spend, computed here with the same accountant the coordinator uses.
 * Emits `px-configure` ({ patch: { privacy } }).
 */
@customElement('px-privacy-panel')
export class PxPrivacyPanel extends LitElement {
  static override styles = [
    theme,
    css`
      form.settings {
        margin-top: 0.75rem;
      }
      .spent {
        font-size: 1.1rem;
      }
      .error {
        color: var(--px-bad);
      }
    `,
  ]

  @property({ attribute: false }) snapshot: DashboardSnapshot | null = null
  @state() private problem: string | null = null

  override render(): TemplateResult {
    const s = this.snapshot
    if (!s) return html``
    const p = s.privacy
    const locked = !s.canControl
    const projected = p.mode === 'off' ? null : this.#projected(p, s.config.rounds)
    return html`
      <p class="spent" data-testid="privacy-status">
        ${
          p.mode === 'off'
            ? 'Differential privacy is off: updates are sent as trained.'
            : html`Epsilon spent: <b data-testid="epsilon-spent">${p.epsilon.toFixed(3)}</b> of ${p.epsilonBudget}
                (delta ${p.delta}) after ${p.rounds} DP rounds · ${MODE_TEXT[p.mode]}`
        }
        ${
          p.exampleLevel.enabled
            ? html`<br /><span class="muted">Example-level DP-SGD on in every tab (C=${p.exampleLevel.clipNorm}, σ=${p.exampleLevel.noiseMultiplier}): each tab's epsilon for its rows is in the tabs table.</span>`
            : nothing
        }
      </p>
      ${
        projected === null
          ? nothing
          : html`<p class="muted">
              ${s.config.rounds} rounds at these settings would reach epsilon ${projected.toFixed(3)}
              (Poisson sampling q=${p.sampleRate}, noise multiplier ${p.noiseMultiplier}, clip norm ${p.clipNorm}).
            </p>`
      }
      <form class="settings" @submit=${this.#submit}>
        <label>Mode
          <select name="mode" data-testid="privacy-mode" ?disabled=${locked}>
            ${(['off', 'local', 'distributed'] as const).map((m) => html`<option value=${m} ?selected=${p.mode === m}>${m}</option>`)}
          </select>
        </label>
        <label>Clip norm S <input name="clipNorm" type="number" step="any" value=${p.clipNorm} ?disabled=${locked} /></label>
        <label>Noise multiplier z <input name="noiseMultiplier" type="number" step="any" value=${p.noiseMultiplier} ?disabled=${locked} /></label>
        <label>Sample rate q <input name="sampleRate" type="number" step="any" value=${p.sampleRate} ?disabled=${locked} /></label>
        <label>Delta <input name="delta" type="number" step="any" value=${p.delta} ?disabled=${locked} /></label>
        <label>Epsilon budget <input name="epsilonBudget" type="number" step="any" value=${p.epsilonBudget} ?disabled=${locked} /></label>
        <label>Example-level DP-SGD in tabs
          <select name="dpSgd" data-testid="dp-sgd" ?disabled=${locked}>
            <option value="off" ?selected=${!p.exampleLevel.enabled}>off</option>
            <option value="on" ?selected=${p.exampleLevel.enabled}>on</option>
          </select>
        </label>
        <label>DP-SGD clip norm C <input name="dpSgdClipNorm" type="number" step="any" value=${p.exampleLevel.clipNorm} ?disabled=${locked} /></label>
        <label>DP-SGD noise multiplier σ <input name="dpSgdNoise" type="number" step="any" value=${p.exampleLevel.noiseMultiplier} ?disabled=${locked} /></label>
        <label>&nbsp;<button type="submit" data-testid="apply-privacy" ?disabled=${locked}>Apply privacy settings</button></label>
      </form>
      ${this.problem ? html`<p class="error">${this.problem}</p>` : nothing}
    `
  }

  #projected(p: PrivacyConfig, rounds: number): number | null {
    try {
      return computeEpsilon({
        sampleRate: p.sampleRate,
        noiseMultiplier: p.noiseMultiplier,
        steps: rounds,
        delta: p.delta,
      }).epsilon
    } catch {
      return null
    }
  }

  #submit(event: SubmitEvent): void {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    const number = (name: string): number => Number(String(form.get(name) ?? '').trim() || Number.NaN)
    const privacy = {
      mode: String(form.get('mode')) as PrivacyConfig['mode'],
      clipNorm: number('clipNorm'),
      noiseMultiplier: number('noiseMultiplier'),
      sampleRate: number('sampleRate'),
      delta: number('delta'),
      epsilonBudget: number('epsilonBudget'),
      exampleLevel: {
        enabled: form.get('dpSgd') === 'on',
        clipNorm: number('dpSgdClipNorm'),
        noiseMultiplier: number('dpSgdNoise'),
      },
    }
    const numbers = {
      ...privacy,
      dpSgdClipNorm: privacy.exampleLevel.clipNorm,
      dpSgdNoise: privacy.exampleLevel.noiseMultiplier,
    }
    const bad = Object.entries(numbers).find(([, v]) => typeof v === 'number' && !Number.isFinite(v))
    if (bad) {
      this.problem = `${bad[0]}: not a number`
      return
    }
    this.problem = null
    this.dispatchEvent(
      new CustomEvent('px-configure', { detail: { patch: { privacy } }, bubbles: true, composed: true }),
    )
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-privacy-panel': PxPrivacyPanel
  }
}

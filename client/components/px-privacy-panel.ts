import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import { type ObserverEpsilon, observerEpsilon } from '../../shared/privacy/participation'
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
            : html`Epsilon against the public: <b data-testid="public-epsilon">${p.publicEpsilon.toFixed(3)}</b>
                (delta ${p.delta}): the chain names each round's participants, so no sampling amplification; the
                most-sampled tab's ${p.maxParticipations} DP rounds at q = 1.
                <br />Against an observer who does not see participation (only the released models):
                <b data-testid="epsilon-spent">${p.epsilon.toFixed(3)}</b> of the budget ${p.epsilonBudget}
                after ${p.rounds} DP rounds (amplified by q=${p.sampleRate}) · ${MODE_TEXT[p.mode]}`
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
          : html`<p class="muted" data-testid="privacy-projection">
              ${s.config.rounds} rounds at these settings (Poisson sampling q=${p.sampleRate}, noise multiplier
              ${p.noiseMultiplier}, clip norm ${p.clipNorm}) would reach epsilon ${projected.hidden.toFixed(3)} against
              an observer who does not see participation; against the public, a tab sampled
              ${projected.expected} times (the expected count) reaches ${projected.visible.toFixed(3)}.
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
        <div class="submit"><button type="submit" data-testid="apply-privacy" ?disabled=${locked}>Apply privacy settings</button></div>
      </form>
      ${this.problem ? html`<p class="error">${this.problem}</p>` : nothing}
    `
  }

  /** Both figures for `rounds` DP rounds at `p` (`shared/privacy/participation.ts`), the public one at q·rounds. */
  #projected(p: PrivacyConfig, rounds: number): (ObserverEpsilon & { expected: number }) | null {
    try {
      const expected = Math.min(rounds, Math.max(1, Math.round(p.sampleRate * rounds)))
      const { sampleRate, noiseMultiplier, delta } = p
      return {
        ...observerEpsilon({ sampleRate, noiseMultiplier, rounds, participations: expected, delta }),
        expected,
      }
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

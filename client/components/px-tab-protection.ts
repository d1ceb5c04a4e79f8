import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { SessionSnapshot, UploadProtection } from '../session/session-state'
import { bytes } from './format'
import { definitionList, theme } from './theme'

const SCHEME: Record<'bfv' | 'ckks', string> = { bfv: 'BFV', ckks: 'CKKS' }

/**
 * What protects this tab's uploads, per upload: the task's current settings (the next upload) beside what applied
 * to the last one, for differential privacy and for encryption. A mode that is off reads "off", whatever earlier
 * rounds did; the epsilon of earlier DP rounds stays, labelled as such.
 */
@customElement('px-tab-protection')
export class PxTabProtection extends LitElement {
  static override styles = [
    theme,
    definitionList,
    css`
      :host {
        display: contents;
      }
      .privacy {
        font-size: 0.85rem;
      }
    `,
  ]

  @property({ attribute: false }) snapshot!: SessionSnapshot

  override render(): TemplateResult {
    return html`${this.#privacy()}${this.#exampleLevel()}${this.#encryption()}`
  }

  #lastText(last: UploadProtection | null, what: (l: UploadProtection) => string): string {
    return last ? `round ${last.round}: ${what(last)}` : 'none sent yet'
  }

  #privacy(): TemplateResult {
    const s = this.snapshot
    const mode = s.taskState?.privacy.mode ?? s.privacy?.mode ?? 'off'
    const p = s.privacy
    return html`<section class="card" data-testid="tab-privacy">
      <h2>Differential privacy: <span data-testid="dp-status">${mode}</span></h2>
      <dl>
        <dt>Next upload</dt>
        <dd data-testid="dp-next">${mode === 'off' ? 'no noise: differential privacy is off for this task' : `clipped and noised in this tab (${mode})`}</dd>
        <dt title="the last update of this tab the coordinator accepted">Last upload</dt>
        <dd data-testid="dp-last">${this.#lastText(s.lastUpload, (l) => (l.privacy ? `clipped to ${l.privacy.clipNorm}, Gaussian noise std ${l.privacy.noiseStd.toPrecision(3)} (${l.privacy.mode})` : 'no noise'))}</dd>
        ${
          p
            ? html`<dt>Released models${mode === 'off' ? ' (earlier DP rounds)' : ''}</dt>
                <dd>epsilon <span data-testid="released-epsilon">${p.releasedEpsilon.toFixed(3)}</span> of ${p.epsilonBudget} (delta ${p.delta})</dd>
                <dt>This tab vs coordinator</dt>
                <dd>epsilon <span data-testid="own-epsilon">${p.ownEpsilon.toFixed(3)}</span> after ${p.updates} noised updates (${p.clippedUpdates} clipped)</dd>`
            : nothing
        }
      </dl>
      ${
        mode === 'distributed'
          ? html`<p class="muted privacy">${
              s.taskState?.encryption.mode !== 'off'
                ? 'In distributed mode the noise is sized for the sum, and the update is encrypted: the coordinator only sees the noised sum.'
                : 'In distributed mode the noise is sized for the sum; switch encryption on, or the coordinator sees updates carrying only this share.'
            }</p>`
          : nothing
      }
    </section>`
  }

  #exampleLevel(): TemplateResult | typeof nothing {
    const s = this.snapshot
    const on = s.taskState?.privacy.exampleLevel ?? !!s.exampleLevel
    if (!on && !s.exampleLevel) return nothing
    return html`<section class="card" data-testid="tab-dp-sgd">
      <h2>Example-level DP-SGD: ${on ? 'on' : 'off'}</h2>
      ${
        s.exampleLevel
          ? html`<p>Epsilon of this tab's rows: <b data-testid="example-epsilon">${s.exampleLevel.epsilon.toFixed(3)}</b> (delta ${s.exampleLevel.delta}) after ${s.exampleLevel.rounds} rounds${on ? '' : ' (earlier rounds; the next does not use it)'}.</p>`
          : nothing
      }
      <p class="muted privacy">${on ? "Each training step clips every row's gradient and adds noise to the batch, so any one row's influence on what this tab sends is bounded." : 'The next round trains without per-example noise.'}</p>
    </section>`
  }

  #encryption(): TemplateResult {
    const s = this.snapshot
    const task = s.taskState?.encryption
    const mode = task?.mode ?? (s.encryption?.keyId ? 'on' : 'off')
    const held = s.encryption
    const status = mode === 'off' ? 'off' : 'on'
    const scheme = mode === 'bfv' || mode === 'ckks' ? SCHEME[mode] : ''
    const waiting = task && task.mode !== 'off' && task.keyId !== held?.keyId
    return html`<section class="card" data-testid="tab-encryption">
      <h2>Homomorphic encryption: <span data-testid="he-status">${status}</span>${scheme ? ` (${scheme})` : ''}</h2>
      <dl>
        <dt>Next upload</dt>
        <dd data-testid="he-next">${
          mode === 'off'
            ? 'in the clear: encryption is off for this task'
            : waiting
              ? `encrypted under key ${task.keyId ?? '(being made)'} once this tab holds it`
              : `encrypted under key ${held?.keyId}`
        }</dd>
        <dt title="the last update of this tab the coordinator accepted">Last upload</dt>
        <dd data-testid="he-last">${this.#lastText(s.lastUpload, (l) => (l.encryption ? `encrypted (${l.encryption.preset}, key ${l.encryption.keyId})` : 'in the clear'))}</dd>
        ${
          held?.keyId
            ? html`<dt>Key held</dt><dd data-testid="he-key">${held.keyId} (${held.preset}, ${held.role === 'generated' ? 'generated here' : 'received sealed from another tab'})${task && task.keyId !== held.keyId ? ', no longer the task’s key' : ''}</dd>
                <dt>Encrypted rounds</dt><dd data-testid="he-rounds">${held.encryptedRounds}</dd>`
            : nothing
        }
        ${
          held?.last
            ? html`<dt>Last round cost</dt>
                <dd data-testid="he-cost">encrypt ${Math.round(held.last.encryptMs)} ms, decrypt ${Math.round(held.last.decryptMs)} ms; ${bytes(held.last.bytesUp)} up, ${bytes(held.last.bytesDown)} down</dd>`
            : nothing
        }
      </dl>
      <p class="muted privacy">${
        mode === 'off'
          ? 'Updates are sent in the clear. The coordinator page can switch encryption on; this tab then gets the task’s key.'
          : 'Updates leave this tab encrypted under a key only the task’s tabs hold; the coordinator adds ciphertexts and cannot read them or the model.'
      }</p>
    </section>`
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-tab-protection': PxTabProtection
  }
}

import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { SessionSnapshot, UploadProtection } from '../session/session-state'
import { bytes } from './format'
import { definitionList, theme } from './theme'

const round = (x: number) => String(Math.round(x * 1000) / 1000)

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
      .warn,
      .error {
        color: var(--px-warn);
      }
    `,
  ]

  @property({ attribute: false }) snapshot!: SessionSnapshot

  override render(): TemplateResult {
    return html`${this.#enforcement()}${this.#privacy()}${this.#exampleLevel()}${this.#encryption()}`
  }

  /**
   * What this tab holds the coordinator to (`round-guard.ts`): the least protection it sends under, a weakening
   * waiting for the person's acceptance (the only way the floor goes down), the last refusal, the statistics budget.
   * Emits `px-accept-weaker` when the person accepts.
   */
  #enforcement(): TemplateResult | typeof nothing {
    const e = this.snapshot.enforcement
    if (!e) return nothing
    const st = e.statistics
    return html`<section class="card" data-testid="tab-enforcement">
      <h2>This tab's own limits</h2>
      <dl>
        <dt title="set when this tab joined; raised by stronger settings; lowered only when you accept">Sends only</dt>
        <dd data-testid="protection-floor">${e.floor ?? '–'}</dd>
        ${
          e.refused
            ? html`<dt>Refused</dt><dd class="error" data-testid="round-refused">round ${e.refused.round}: ${e.refused.reasons.join('; ')}</dd>`
            : nothing
        }
        <dt title="column statistics answered for this task: local DP, epsilons add up">Statistics epsilon</dt>
        <dd data-testid="statistics-budget">${round(st.spent)} of ${st.perTask} spent (at most ${st.perRequest} a request, ${st.answered} answered)${st.refused ? html`; <span class="error" data-testid="statistics-refused">refused: ${st.refused}</span>` : nothing}</dd>
      </dl>
      ${
        e.pending.length > 0
          ? html`<p class="warn" data-testid="weaker-pending">The coordinator weakened this task's protection: ${e.pending.join('; ')}. This tab sends nothing under it until you accept.</p>
              <button data-testid="accept-weaker" @click=${this.#acceptWeaker}>Accept weaker protection</button>`
          : nothing
      }
    </section>`
  }

  #acceptWeaker = (): void => {
    this.dispatchEvent(new CustomEvent('px-accept-weaker', { bubbles: true, composed: true }))
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
        <dt title="the last update this tab sent">Last upload</dt>
        <dd data-testid="dp-last">${this.#lastText(s.lastUpload, (l) => (l.privacy ? `clipped to ${l.privacy.clipNorm}, Gaussian noise std ${l.privacy.noiseStd.toPrecision(3)} (${l.privacy.mode})` : 'no noise'))}</dd>
        ${
          p
            ? html`<dt title="participation is on the public chain: no sampling amplification">This tab vs the public${mode === 'off' ? ' (earlier DP rounds)' : ''}</dt>
                <dd>epsilon <span data-testid="public-epsilon">${p.publicEpsilon.toFixed(3)}</span> after ${p.updates} DP rounds it took part in (delta ${p.delta})</dd>
                <dt title="amplified by the sampling rate: holds only for an observer who does not see who took part">Released models, participation unseen</dt>
                <dd>epsilon <span data-testid="released-epsilon">${p.releasedEpsilon.toFixed(3)}</span> of ${p.epsilonBudget} (delta ${p.delta})</dd>
                <dt>This tab vs coordinator</dt>
                <dd>epsilon <span data-testid="own-epsilon">${p.ownEpsilon.toFixed(3)}</span> after ${p.updates} noised updates (${p.clippedUpdates} clipped)</dd>`
            : nothing
        }
        ${
          s.cumulative
            ? html`<dt title="every DP update this browser's tabs sent, to any task, counted when sent">This browser, all tasks</dt>
                <dd>epsilon <span data-testid="cumulative-epsilon">${s.cumulative.epsilon.toFixed(3)}</span> vs the coordinator${s.cumulative.exampleEpsilon > 0 ? html`, <span data-testid="cumulative-example-epsilon">${s.cumulative.exampleEpsilon.toFixed(3)}</span> per row (DP-SGD)` : nothing} after ${s.cumulative.sends} updates to ${s.cumulative.tasks} task(s) (delta ${s.cumulative.delta})</dd>`
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
        <dt title="the last update this tab sent">Last upload</dt>
        <dd data-testid="he-last">${this.#lastText(s.lastUpload, (l) => (l.encryption ? `encrypted (${l.encryption.preset}, key ${l.encryption.keyId})` : 'in the clear'))}</dd>
        ${
          held?.keyId
            ? html`<dt>Key held</dt><dd data-testid="he-key">${held.keyId} (${held.preset}, ${held.role === 'generated' ? 'generated here' : 'received sealed from another tab'})${task && task.keyId !== held.keyId ? ', no longer the task’s key' : ''}</dd>
                <dt>Encrypted rounds</dt><dd data-testid="he-rounds">${held.encryptedRounds}</dd>`
            : nothing
        }
        ${
          s.keySet && mode !== 'off'
            ? html`<dt title="SHA-256 of the task's signed envelope keys: compare it with the other participants' tabs (by phone, in person); a different number means a tab was shown other keys">Key set fingerprint</dt>
                <dd><code data-testid="key-fingerprint">${s.keySet.fingerprint}</code> over ${s.keySet.keys} signed keys of ${s.keySet.accounts.length} account(s)${s.keySet.invalid ? html`; <span class="warn">${s.keySet.invalid} unsigned key(s) left out</span>` : nothing}${s.keySet.includesSelf ? nothing : html`; <span class="warn" data-testid="key-set-missing-self">this tab's own key is not in it</span>`}</dd>`
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
          : 'Updates leave this tab encrypted under a key only the task’s tabs hold; the coordinator adds ciphertexts and cannot read them or the model. This tab seals that key only to envelope keys signed by the task’s accounts: compare the fingerprint above with the other participants.'
      }</p>
    </section>`
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-tab-protection': PxTabProtection
  }
}

import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { DashboardSnapshot } from '../../shared/protocol'
import type { EncryptionConfig } from '../../shared/rounds/config'
import { theme } from './theme'

const MODE_TEXT: Record<EncryptionConfig['mode'], string> = {
  off: 'off',
  bfv: 'BFV (recommended)',
  ckks: 'CKKS',
}

/**
 * Homomorphic encryption of a task's updates: switch it on (BFV or CKKS), see who holds the key and what the
 * coordinator still knows. Emits `px-configure` ({ patch: { encryption } }).
 */
@customElement('px-encryption-panel')
export class PxEncryptionPanel extends LitElement {
  static override styles = [
    theme,
    css`
      .state {
        font-size: 1.05rem;
      }
    `,
  ]

  @property({ attribute: false }) snapshot: DashboardSnapshot | null = null

  override render(): TemplateResult {
    const s = this.snapshot
    if (!s) return html``
    const e = s.encryption
    const locked = !s.canControl
    // Without the control token the page has no per-tab states: the count of connected tabs stands in.
    const ready = s.clients?.filter((c) => c.status !== 'loading').length ?? s.task.clients
    return html`
      <p class="state" data-testid="encryption-status">
        ${
          e.mode === 'off'
            ? 'Encryption is off: the coordinator sees every update and the model.'
            : html`Encryption on (<b data-testid="encryption-mode">${e.mode.toUpperCase()}</b>, ${e.preset}):
                key <code data-testid="encryption-key">${e.keyId ?? 'being generated'}</code> held by
                <b data-testid="key-holders">${e.holders}</b> of ${ready} tabs; ${e.encryptedRounds} encrypted rounds.`
        }
      </p>
      ${
        e.mode !== 'off'
          ? html`<p class="muted">
              The coordinator holds no key: it adds ciphertexts and relays the key, sealed tab to tab, without being able
              to open it. ${e.modelInClear ? 'It still holds the model it last sent in the clear.' : html`<b>It does not hold the current model</b>; the charts show what the tabs report.`}
            </p>`
          : nothing
      }
      ${
        e.encryptedRounds > 0
          ? html`<p class="muted" data-testid="replay-state">
              A tab that joins now replays ${e.checkpointRound === null ? 'the model last sent in the clear' : html`the checkpoint of round <b>${e.checkpointRound}</b> (encrypted by one key holder, checked by two others)`}
              and <b>${e.replayAggregates}</b> encrypted aggregate(s).
            </p>`
          : nothing
      }
      <p class="muted">BFV sums quantized updates exactly; CKKS sums reals approximately, and its decryptions are flooded
        with noise and rounded before use (CKKS is not IND-CPA-D).</p>
      <form class="settings" @submit=${this.#submit}>
        <label
          >Scheme
          <select name="mode" data-testid="encryption-select" ?disabled=${locked}>
            ${(['off', 'bfv', 'ckks'] as const).map((m) => html`<option value=${m} ?selected=${s.config.encryption.mode === m}>${MODE_TEXT[m]}</option>`)}
          </select>
        </label>
        <label
          >Clamp per coordinate
          <input name="clamp" type="number" step="any" min="0" ?disabled=${locked} .value=${String(s.config.encryption.clamp)} />
        </label>
        <div class="submit"><button type="submit" data-testid="apply-encryption" ?disabled=${locked}>Apply encryption</button></div>
      </form>
    `
  }

  #submit(event: SubmitEvent): void {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    const encryption = {
      mode: String(form.get('mode')) as EncryptionConfig['mode'],
      clamp: Number(form.get('clamp')),
    }
    this.dispatchEvent(
      new CustomEvent('px-configure', { detail: { patch: { encryption } }, bubbles: true, composed: true }),
    )
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-encryption-panel': PxEncryptionPanel
  }
}

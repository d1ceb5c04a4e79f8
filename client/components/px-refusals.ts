import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import { theme } from './theme'

/** What the coordinator's guards refused, by reason, since it started (each network limit and protocol code). */
const EXPLAINED: Readonly<Record<string, string>> = {
  'bad-payload': 'a message of the wrong shape',
  'bad-event-name': 'an event name that is not a string',
  'unknown-event': 'an event the protocol does not have',
  'rate-limited': 'over the per-connection event rate',
  'abuse-disconnect': 'connections closed for sustained abuse',
  origin: 'a page from a foreign origin',
  'connections-per-address': 'too many connections from one address',
  'connections-total': 'over the coordinator’s connection limit',
  'handshake-rate': 'too many new connections a minute from one address',
  'bad-packet': 'bytes socket.io could not decode',
  'frame-too-large': 'a frame over the largest legal message',
  'parse-error': 'bytes that are not socket.io packets',
  unauthorized: 'a signature or proof that did not verify',
  'stale-round': 'an update for another round or model',
}

@customElement('px-refusals')
export class PxRefusals extends LitElement {
  static override styles = [
    theme,
    css`
      table {
        border-collapse: collapse;
        font-size: 0.85rem;
        width: 100%;
      }
      td {
        padding: 0.15rem 0.4rem;
        border-bottom: 1px solid var(--px-line);
      }
      td.count {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      .muted {
        color: var(--px-muted);
      }
    `,
  ]

  @property({ attribute: false }) refusals: Readonly<Record<string, number>> = {}

  override render(): TemplateResult {
    const rows = Object.entries(this.refusals)
    if (rows.length === 0)
      return html`<p class="muted" data-testid="refusals-none">Nothing refused so far.</p>`
    return html`<table data-testid="refusals">
      ${rows.map(
        ([reason, count]) =>
          html`<tr data-reason=${reason}>
            <td>${reason}</td>
            <td class="muted">${EXPLAINED[reason] ?? nothing}</td>
            <td class="count">${count}</td>
          </tr>`,
      )}
    </table>`
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-refusals': PxRefusals
  }
}

import { css, html, LitElement, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import type { EventEntry } from '../../shared/protocol'
import { clock } from './format'
import { theme } from './theme'

/** The coordinator's recent events, newest first: joins, rounds, rejections with their reasons, drops. */
@customElement('px-event-log')
export class PxEventLog extends LitElement {
  static override styles = [
    theme,
    css`
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        max-height: 18rem;
        overflow: auto;
        font-size: 0.85rem;
      }
      li {
        overflow-wrap: anywhere;
        padding: 0.2rem 0;
        border-bottom: 1px solid var(--px-line);
      }
      .warning {
        color: var(--px-warn);
      }
      .error {
        color: var(--px-bad);
      }
      time {
        color: var(--px-muted);
        margin-right: 0.5rem;
      }
    `,
  ]

  @property({ attribute: false }) events: readonly EventEntry[] = []

  override render(): TemplateResult {
    return html`<ol data-testid="event-log" tabindex="0" aria-label="Events, newest first">
      ${[...this.events].reverse().map((e) => html`<li class=${e.level}><time>${clock(e.at)}</time>${e.text}</li>`)}
    </ol>`
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-event-log': PxEventLog
  }
}

import { html, LitElement, type TemplateResult } from 'lit'
import { customElement, state } from 'lit/decorators.js'

/** Routes by path and loads only what the page needs: charts for the coordinator page, the trainer for a tab, the market. */
@customElement('px-app')
export class PxApp extends LitElement {
  @state() private page: 'client' | 'dashboard' | 'market' | null = null

  override connectedCallback(): void {
    super.connectedCallback()
    if (location.pathname.startsWith('/market')) {
      void import('./market/px-market').then(() => {
        this.page = 'market'
        document.title = 'Privx data market'
      })
    } else if (location.pathname.startsWith('/coordinator')) {
      void import('./px-dashboard').then(() => {
        this.page = 'dashboard'
        document.title = 'Privx coordinator'
      })
    } else {
      void import('./px-client').then(() => {
        this.page = 'client'
      })
    }
  }

  /** The page sits in one `main` landmark, so assistive technology can jump to it. */
  override render(): TemplateResult {
    return html`<main>${this.#page()}</main>`
  }

  #page(): TemplateResult {
    if (this.page === 'dashboard') return html`<px-dashboard></px-dashboard>`
    if (this.page === 'client') return html`<px-client></px-client>`
    if (this.page === 'market') return html`<px-market></px-market>`
    return html`<p style="padding: 2rem">Loading Privx…</p>`
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-app': PxApp
  }
}

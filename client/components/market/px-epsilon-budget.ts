import { html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import {
  copyChargeOf,
  epsilonLeft,
  epsilonSpent,
  epsilonText,
  isBudgeted,
} from '../../../shared/market/epsilon-ledger'
import type { EpsilonCharge, Listing } from '../../../shared/market/types'
import { theme } from '../theme'

const chargeText = (c: EpsilonCharge): string => {
  switch (c.what) {
    case 'statistics':
      return 'the DP summary (when listed)'
    case 'copy':
      return `the ${c.copyKind} copy, sold first in ${c.purchaseId}${c.copyHash ? `, delivered as ${c.copyHash.slice(0, 12)}…` : ', not delivered yet'}`
    case 'training':
      return `a training run (${c.purchaseId})`
    default: {
      const _exhaustive: never = c.what
      return String(_exhaustive)
    }
  }
}

/**
 * A dataset's epsilon ledger as the chain holds it: its budget, what is spent and left, each release charged, and
 * what the next sale of each kind costs (a copy already charged is resold at no epsilon). Listings from before
 * the budget say that they have none.
 */
@customElement('px-epsilon-budget')
export class PxEpsilonBudget extends LitElement {
  static override styles = [theme]

  @property({ attribute: false }) listing!: Listing

  override render(): TemplateResult {
    const l = this.listing
    if (!isBudgeted(l)) {
      return html`<p class="muted" data-testid="epsilon-none">Listed before epsilon budgets: its releases are not counted.</p>`
    }
    const next = (epsilon: number, resold: boolean) =>
      resold ? 'no epsilon (the same copy is resold)' : `ε ${epsilonText(epsilon)}`
    return html`
      <p>
        Spent <b data-testid="epsilon-spent">ε ${epsilonText(epsilonSpent(l))}</b> of
        <span data-testid="epsilon-budget">ε ${epsilonText(l.epsilonBudget)}</span>;
        <b data-testid="epsilon-left">ε ${epsilonText(epsilonLeft(l))} left</b>.
      </p>
      <ul>
        ${(l.epsilonCharges ?? []).map(
          (c) => html`<li data-testid="epsilon-charge">ε ${epsilonText(c.epsilon)}: ${chargeText(c)}</li>`,
        )}
      </ul>
      <p class="muted" data-testid="epsilon-next">
        ${
          l.copyPrice !== null
            ? html`Next per-row copy: ${next(l.copyEpsilon, !!copyChargeOf(l, 'per-row'))}; next synthetic copy: ${next(l.copyEpsilon, !!copyChargeOf(l, 'synthetic'))}. `
            : nothing
        }
        ${l.trainingEpsilon !== undefined ? html`Each training run: ε ${epsilonText(l.trainingEpsilon)} (DP-SGD in the provider's tab). ` : nothing}
        A sale the budget cannot pay is refused.
      </p>
    `
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-epsilon-budget': PxEpsilonBudget
  }
}

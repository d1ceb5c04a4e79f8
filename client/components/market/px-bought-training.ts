import { css, html, LitElement, nothing, type TemplateResult } from 'lit'
import { customElement, property } from 'lit/decorators.js'
import {
  majorityWarning,
  progressText,
  qualityText,
  recordText,
  settingsText,
  stageText,
} from '../../../shared/market/bought-model'
import type { TrainingProgress } from '../../../shared/market/protocol'
import type { Purchase } from '../../../shared/market/types'
import type { MarketController } from '../../controllers/market-controller'
import type { FetchedModel } from '../../market/bought-models'
import { theme } from '../theme'

/**
 * A training purchase in its buyer's wallet: the training's progress (rounds recorded of rounds bought, live), the
 * model the coordinator holds now with its held-out quality, "Get the model" (a snapshot until training finished,
 * labelled as one), and the fetched model: its task, round, hash as the chain records it, quality against the
 * majority-class baseline, the provider's settings, and its download. A model no better than the majority class
 * is flagged.
 */
@customElement('px-bought-training')
export class PxBoughtTraining extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
        white-space: normal;
        min-width: 22rem;
        max-width: 46rem;
      }
      progress {
        width: 8rem;
        vertical-align: middle;
      }
      .warn {
        color: var(--px-warn);
        font-weight: 600;
      }
      div,
      p {
        margin: 0.2rem 0;
      }
      code {
        word-break: break-all;
      }
    `,
  ]

  @property({ attribute: false }) market!: MarketController
  @property({ attribute: false }) purchase!: Purchase & { readonly training?: TrainingProgress }
  /** The controller's change counter: a new value re-renders this view. */
  @property({ type: Number }) version = 0

  override render(): TemplateResult {
    const p = this.purchase
    const progress = p.training
    const fetched = this.market.models.get(p.purchaseId)
    const replaced = this.market.models.replaced(p.purchaseId)
    const open = p.status === 'training' || p.status === 'completed'
    return html`
      ${progress ? this.#progress(progress) : nothing}
      ${
        open
          ? html`<button data-testid="fetch-model" @click=${() => void this.market.fetchModel(p.purchaseId)}>${this.#label(progress)}</button>`
          : nothing
      }
      ${replaced ? html`<p class="warn" data-testid="model-replaced">${replaced}</p>` : nothing}
      ${fetched ? this.#fetched(fetched) : nothing}
    `
  }

  #label(progress: TrainingProgress | undefined): string {
    if (!progress || progress.finished) return 'Get the model'
    const round = progress.model?.round ?? progress.roundsDone
    return `Get a snapshot (round ${round} of ${progress.roundsBought}, training continues)`
  }

  #progress(progress: TrainingProgress): TemplateResult {
    const model = progress.model
    const latest = progress.latest
    const warning = majorityWarning(model?.quality ?? null)
    return html`
      <div data-testid="training-progress"><progress max=${progress.roundsBought} value=${progress.roundsDone}></progress> ${progressText(progress)}</div>
      ${
        model
          ? html`<div class="muted" data-testid="training-model">Model now: ${model.version} (round ${model.round}). ${qualityText(model.quality)}</div>`
          : latest?.hashOf === 'encrypted-sum'
            ? html`<div class="muted">Trained under encryption: the tabs hold the model; ${recordText(latest)} (${latest.modelAfter.slice(0, 12)}…).</div>`
            : nothing
      }
      ${warning ? html`<p class="warn" data-testid="training-warning">⚠ ${warning}</p>` : nothing}
      ${warning && progress.settings ? html`<div class="muted">${settingsText(progress.settings)}</div>` : nothing}
    `
  }

  #fetched(fetched: FetchedModel): TemplateResult {
    const m = fetched.about
    const href = `data:application/json;charset=utf-8,${encodeURIComponent(fetched.json)}`
    return html`<div data-testid="model-fetched">
      <div><b data-testid="model-stage">${stageText(m)}</b></div>
      <div>Task <code>${m.taskId}</code> · model <code data-testid="model-version">${m.version}</code> · SHA-256 of the weights <code data-testid="model-hash" title=${m.modelHash}>${m.modelHash}</code></div>
      <div class="muted" data-testid="model-record">${recordText(m.recorded)}</div>
      <div data-testid="model-quality">${qualityText(m.quality)}</div>
      ${fetched.warning ? html`<p class="warn" data-testid="model-warning">⚠ ${fetched.warning}</p>` : nothing}
      <div class="muted" data-testid="model-settings">${settingsText(m.settings)}</div>
      <a data-testid="model-download" download=${fetched.fileName} href=${href}>Download ${fetched.fileName}</a>
    </div>`
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'px-bought-training': PxBoughtTraining
  }
}

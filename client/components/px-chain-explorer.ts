import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit'
import { customElement, property, state } from 'lit/decorators.js'
import type { Block } from '../../shared/chain/block'
import type { ChainView } from '../../shared/protocol'
import type { DashboardController } from '../controllers/dashboard-controller'
import { clock } from './format'
import { theme } from './theme'

const short = (hex: string, n = 10): string => `${hex.slice(0, n)}…`

/**
 * The chain explorer: recent blocks (open one to see its transactions and prove any of them is included), accounts
 * and balances, training records with their model hashes, and a "verify chain" action that re-checks everything.
 */
@customElement('px-chain-explorer')
export class PxChainExplorer extends LitElement {
  static override styles = [
    theme,
    css`
      .grid {
        display: grid;
        /* Two columns on a 1280 px screen, so the tables fit their cells. */
        grid-template-columns: repeat(auto-fit, minmax(480px, 1fr));
        gap: 1rem;
      }
      .grid > section {
        /* Wide tables scroll inside their own cell instead of spilling under the next one. */
        min-width: 0;
        overflow-x: auto;
      }
      .scroll {
        max-height: 22rem;
        overflow: auto;
      }
      code {
        font-size: 0.8rem;
      }
      .good {
        color: var(--px-good);
      }
      .bad {
        color: var(--px-bad);
      }
      tr.open {
        background: #eef3fe;
      }
    `,
  ]

  @property({ attribute: false }) live: DashboardController | null = null
  @property({ type: Number }) height = 0
  @property({ type: Boolean }) canControl = false
  @state() private fundMessage: string | null = null
  @state() private view: ChainView | null = null
  @state() private open: Block | null = null
  @state() private verdict: { ok: boolean; text: string } | null = null
  @state() private proofs = new Map<string, string>()

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('height') || changed.has('live')) void this.#refresh()
  }

  async #refresh(): Promise<void> {
    const result = await this.live?.chain()
    if (result?.ok) this.view = result.value
  }

  override render(): TemplateResult {
    const v = this.view
    if (!v) return html`<p class="muted">Loading the chain…</p>`
    return html`
      <p>
        Chain <b>${v.chainId}</b>: <span data-testid="chain-height">${v.height}</span> blocks, head <code>${short(v.head, 16)}</code>,
        producer <code>${v.producer ?? '–'}</code>, ${v.supply.minted - v.supply.burned} tokens in supply.
        <button data-testid="verify-chain" @click=${() => this.#verify(false)}>Verify chain</button>
        ${
          this.canControl
            ? html`<button data-testid="reverify-chain" @click=${() => this.#verify(true)}>
                Re-verify from storage
              </button>`
            : nothing
        }
        ${this.verdict ? html`<span class=${this.verdict.ok ? 'good' : 'bad'} data-testid="chain-verdict">${this.verdict.text}</span>` : nothing}
      </p>
      <div class="grid">
        <section>
          <h2>Blocks</h2>
          <div class="scroll" tabindex="0" role="region" aria-label="Blocks">
            <table>
              <thead><tr><th>#</th><th>Hash</th><th>Time</th><th>Transactions</th></tr></thead>
              <tbody>
                ${v.blocks.map(
                  (
                    b,
                  ) => html`<tr class=${this.open?.header.index === b.index ? 'open' : ''} data-testid="block-row" @click=${() => this.#openBlock(b.index)} style="cursor:pointer">
                    <td><button type="button" data-testid="open-block" aria-label=${`Open block ${b.index}`}>${b.index}</button></td><td><code>${short(b.hash)}</code></td><td>${clock(b.timestamp)}</td><td>${b.types.join(', ')}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>
        </section>
        <section>
          <h2>${this.open ? `Block ${this.open.header.index}` : 'Block details'}</h2>
          ${this.open ? this.#blockDetails(this.open) : html`<p class="muted">Choose a block to see its transactions and prove them.</p>`}
        </section>
        <section>
          <h2>Training records</h2>
          <p class="muted" data-testid="participation-public">Public: each record names its round's participants by account (rewards are paid by them), so the epsilon against the public counts a tab's own rounds with no sampling amplification.</p>
          <div class="scroll" tabindex="0" role="region" aria-label="Training records">
            <table>
              <thead><tr><th>Task</th><th>Round</th><th>Model before → after</th><th>Tabs</th><th>Rejected</th><th>Slashed</th><th>Privacy</th></tr></thead>
              <tbody>
                ${v.rounds.map(
                  (r) => html`<tr data-testid="chain-round">
                    <td>${r.taskId}</td><td title="record ${r.round} of this task">${r.modelRound}</td>
                    <td><code>${short(r.modelBefore, 8)}</code> → <code>${short(r.modelAfter, 8)}</code></td>
                    <td>${r.participants.length}</td>
                    <td>${r.participants.filter((p) => p.verdict === 'rejected').length}</td>
                    <td data-testid="chain-round-slashed">${(r.slashes ?? []).reduce((sum, x) => sum + x.amount, 0)}</td>
                    <td>${this.#privacyText(r.privacy)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>
        </section>
        <section>
          <h2>Reward escrows</h2>
          <table>
            <thead><tr><th>Task</th><th>Escrow</th><th>Rounds recorded</th><th>Stake</th><th>${this.canControl ? 'Fund' : ''}</th></tr></thead>
            <tbody>
              ${v.tasks.map(
                (t) => html`<tr>
                  <td>${t.name}</td><td data-testid="escrow-${t.taskId}">${t.escrow}</td><td>${t.rounds}</td>
                  <td data-testid="stake-${t.taskId}">${stakeText(t.stake, t.finished)}</td>
                  <td>${
                    this.canControl
                      ? html`<form @submit=${(e: SubmitEvent) => this.#fund(e, t.taskId)}>
                          <input name="amount" type="number" min="1" step="1" value="1000" style="width:6rem" aria-label=${`Tokens to fund ${t.name} with`} />
                          <button type="submit" data-testid="fund-${t.taskId}">Fund</button>
                        </form>`
                      : nothing
                  }</td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${this.fundMessage ? html`<p class="muted">${this.fundMessage}</p>` : nothing}
          <p class="muted">Each recorded round pays its participants from this escrow: the task's reward per example, times each counted update's capped weight and contribution score. A task with a stake admits only tabs that locked it; an update rejected as broken or out of bounds forfeits part of the stake to the escrow, and the rest comes back when the task ends.</p>
        </section>
        <section>
          <h2>Accounts</h2>
          <div class="scroll" tabindex="0" role="region" aria-label="Accounts">
            <table>
              <thead><tr><th>Address</th><th>Balance</th><th>Transactions</th></tr></thead>
              <tbody>${v.accounts.map((a) => html`<tr><td><code>${a.address}</code></td><td>${a.balance}</td><td>${a.nonce}</td></tr>`)}</tbody>
            </table>
          </div>
        </section>
      </div>
    `
  }

  #blockDetails(block: Block): TemplateResult {
    return html`<p class="muted">Merkle root <code>${short(block.header.txRoot, 16)}</code>, state root <code>${short(block.header.stateRoot, 16)}</code></p>
      <table>
        <thead><tr><th>Transaction</th><th>Type</th><th>From</th><th>Proof</th></tr></thead>
        <tbody>
          ${block.transactions.map(
            (tx) => html`<tr>
              <td><code>${short(tx.id, 12)}</code></td><td>${tx.body.type}</td><td><code>${short(tx.body.from, 12)}</code></td>
              <td>
                <button data-testid="prove" @click=${() => this.#prove(tx.id)}>Prove inclusion</button>
                ${this.proofs.has(tx.id) ? html`<span data-testid="proof-result">${this.proofs.get(tx.id)}</span>` : nothing}
              </td>
            </tr>`,
          )}
        </tbody>
      </table>`
  }

  #privacyText(privacy: unknown): string {
    const p = privacy as { mode?: string; epsilon?: number | null } | null
    if (!p || p.mode === 'off' || !p.mode) return 'off'
    return `${p.mode}${typeof p.epsilon === 'number' ? `, ε ${p.epsilon.toFixed(3)}` : ''}`
  }

  async #openBlock(index: number): Promise<void> {
    const result = await this.live?.block(index)
    if (result?.ok) this.open = result.value
  }

  async #fund(event: SubmitEvent, taskId: string): Promise<void> {
    event.preventDefault()
    const amount = Number(new FormData(event.target as HTMLFormElement).get('amount'))
    const result = await this.live?.fundTask(taskId, amount)
    if (!result) return
    this.fundMessage = result.ok ? `escrow of ${taskId} is now ${result.value.escrow}` : result.error.message
    await this.#refresh()
  }

  async #verify(full: boolean): Promise<void> {
    if (full) this.verdict = { ok: true, text: 'verifying every block from storage…' }
    const result = await (full ? this.live?.reverifyChain() : this.live?.verifyChain())
    if (!result) return
    this.verdict = result.ok
      ? {
          ok: true,
          text: `valid: all ${result.value.height} blocks check out (each verified as it was added; ${result.value.fullVerifiedAt === null ? 'the whole chain from storage: still running since start-up' : `the whole chain from storage at ${clock(result.value.fullVerifiedAt)}`})`,
        }
      : { ok: false, text: result.error.message }
  }

  async #prove(txId: string): Promise<void> {
    const result = await this.live?.proof(txId)
    if (!result) return
    const text = result.ok
      ? `${result.value.valid ? '✓ included' : '✗ proof fails'} in block ${result.value.proof.blockIndex}: leaf ${result.value.proof.leafIndex} of ${result.value.proof.treeSize}, ${result.value.proof.path.length} hashes to the Merkle root`
      : result.error.message
    this.proofs = new Map(this.proofs).set(txId, text)
  }
}

/** A task's stakes in one line: asked per tab, accounts staked, tokens slashed, and whether they were returned. */
function stakeText(stake: ChainView['tasks'][number]['stake'], finished: boolean): string {
  if (!stake) return 'none'
  const settled = finished ? 'returned' : `${stake.held} held`
  return `${stake.asked} per tab · ${stake.accounts} staked · ${stake.slashed} slashed · ${settled}`
}

declare global {
  interface HTMLElementTagNameMap {
    'px-chain-explorer': PxChainExplorer
  }
}

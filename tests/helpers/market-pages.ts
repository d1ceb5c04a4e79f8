import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { type BrowserRig, openPage, useBrowserRig } from './browser'

export interface MarketPages {
  readonly rig: BrowserRig
  /** Every dialog a page opened (none should: text from the market is never script). */
  readonly dialogs: string[]
  /** A person with their own browser profile (their own account key), on the market page, tokens claimed. */
  person(): Promise<Page>
  /** A person registered as a provider under `name`. */
  provider(name: string): Promise<Page>
  /** A person registered as a consumer under `name`. */
  consumer(name: string): Promise<Page>
}

/** The market page's last message (what each action says it did). */
export const message = (page: Page) => page.getByTestId('market-message').textContent()

/** A coordinator (faucet 200) and headless Chromium for the calling file, with market people on their own profiles. */
export function useMarketPages(): MarketPages {
  const rig = useBrowserRig({ faucetAmount: 200 })
  const dialogs: string[] = []
  const person = async (): Promise<Page> => {
    const page = await openPage(rig.browser, `${rig.coordinator.url}/market`, (page) =>
      page.on('dialog', (d) => {
        dialogs.push(d.message())
        void d.dismiss()
      }),
    )
    await page.getByTestId('nav-wallet').click()
    await page.getByTestId('market-claim').click()
    await expect.poll(() => page.getByTestId('wallet-balance').textContent()).toBe('200')
    return page
  }
  const registered = async (role: 'provider' | 'consumer', name: string): Promise<Page> => {
    const page = await person()
    await page.getByTestId(`${role}-name`).fill(name)
    await page.getByTestId(`register-${role}`).click()
    await expect.poll(() => message(page)).toBe(`register as a ${role}: done`)
    return page
  }
  return {
    rig,
    dialogs,
    person,
    provider: (name) => registered('provider', name),
    consumer: (name) => registered('consumer', name),
  }
}

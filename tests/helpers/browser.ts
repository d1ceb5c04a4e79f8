import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { launchChromium } from '../../cli/chromium'
import { type Coordinator, type CoordinatorOptions, startCoordinator } from '../../coordinator/server'

/** Tests and benchmarks launch Chromium the way the command line does. */
export { launchChromium }

/** The coordinator page's link (`coordinatorPageUrl`) opened on one task: `?task=` in the query, the token kept in the fragment. */
export function coordinatorPageFor(coordinatorPageUrl: string, taskId: string): string {
  const url = new URL(coordinatorPageUrl)
  url.searchParams.set('task', taskId)
  return url.href
}

/** A coordinator on port 0 serving the built client (`dist/`); fails at once, with the fix, when there is no build. */
export async function startServingCoordinator(options: CoordinatorOptions = {}): Promise<Coordinator> {
  const dist = resolve('dist')
  if (!existsSync(resolve(dist, 'index.html')))
    throw new Error('no build in dist/: npm test builds it first (vite build)')
  return startCoordinator({ port: 0, staticDir: dist, ...options })
}

/** A page on `url` in `context`: a tab of that browser, sharing its storage. */
export async function openTab(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(url)
  return page
}

/** One tab per url in `context`, loaded side by side. */
export function openTabs(context: BrowserContext, urls: readonly string[]): Promise<Page[]> {
  return Promise.all(urls.map((url) => openTab(context, url)))
}

/**
 * A page on `url` in a context of its own: its own storage, as in another browser. `prepare` runs before the page
 * loads (to watch its frames, say).
 */
export async function openPage(browser: Browser, url: string, prepare?: (page: Page) => void): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  prepare?.(page)
  await page.goto(url)
  return page
}

/** What an e2e file runs against: one Chromium, and a coordinator serving the built client (null when not asked). */
export interface BrowserRig {
  readonly browser: Browser
  readonly coordinator: Coordinator
}

/**
 * Chromium, and a coordinator on port 0 serving `dist/` when `options` are given, started before the calling file's
 * tests and closed after them (browser first, so no page reconnects to a closing coordinator).
 */
export function useBrowserRig(options: CoordinatorOptions | null = {}): BrowserRig {
  let browser: Browser | null = null
  let coordinator: Coordinator | null = null
  beforeAll(async () => {
    if (options) coordinator = await startServingCoordinator(options)
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await coordinator?.close()
  })
  return {
    get browser() {
      if (!browser) throw new Error('the browser starts in beforeAll')
      return browser
    },
    get coordinator() {
      if (!coordinator)
        throw new Error(options ? 'the coordinator starts in beforeAll' : 'this rig has no coordinator')
      return coordinator
    },
  }
}

/**
 * Whether this page's origin keeps `key` in IndexedDB, in idb-keyval's default store (`keyval-store` / `keyval`),
 * where a tab keeps CSV rows it was allowed to save. Opens the store as idb-keyval does (creating it if absent).
 */
export function keptInBrowser(page: Page, key: string): Promise<boolean> {
  return page.evaluate(
    (key) =>
      new Promise<boolean>((resolve, reject) => {
        const open = indexedDB.open('keyval-store')
        open.onupgradeneeded = () => open.result.createObjectStore('keyval')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const db = open.result
          const request = db.transaction('keyval', 'readonly').objectStore('keyval').getKey(key)
          request.onsuccess = () => {
            db.close()
            resolve(request.result !== undefined)
          }
          request.onerror = () => {
            db.close()
            reject(request.error)
          }
        }
      }),
    key,
  )
}

import AxeBuilder from '@axe-core/playwright'
import type { Page } from 'playwright-core'

/** The width the pages must fit without scrolling sideways. */
export const WIDTH = 1280

/** axe-core's serious and critical findings on the page as it is now, one line each (empty when none). */
export async function seriousViolations(page: Page, where: string): Promise<string[]> {
  // @axe-core/playwright types its page against `playwright`; playwright-core's is the same object.
  const results = await new AxeBuilder({ page: page as never }).analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${where}: ${v.id} (${v.impact}) at ${n.target.join(' ')}: ${v.help}`))
}

/** Tables, in any shadow root, wider than the element that holds them, and the page's own sideways overflow. */
export function overflowing(page: Page, where: string): Promise<string[]> {
  return page.evaluate(
    ({ where, width }) => {
      const found: string[] = []
      const beyond: string[] = []
      const visit = (root: Document | ShadowRoot) => {
        for (const el of root.querySelectorAll('*'))
          if (el.getBoundingClientRect().right > width + 1)
            beyond.push(`${el.tagName.toLowerCase()} "${el.textContent?.trim().slice(0, 30)}"`)
        for (const table of root.querySelectorAll('table')) {
          const holder = table.parentElement
          if (holder && table.getBoundingClientRect().width > holder.clientWidth + 1)
            found.push(
              `${where}: a table (${table.rows[0]?.textContent?.trim().slice(0, 40)}) is wider than its box`,
            )
        }
        for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot)
      }
      visit(document)
      if (document.documentElement.scrollWidth > width)
        found.push(
          `${where}: the page is ${document.documentElement.scrollWidth} px wide (past ${width}: ${beyond.slice(-3).join(', ')})`,
        )
      return found
    },
    { where, width: WIDTH },
  )
}

/** Presses Tab until the focused element (through shadow roots) has `testId`; fails after `limit` presses. */
export async function tabTo(page: Page, testId: string, limit = 80): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      let el = document.activeElement
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement
      return el?.getAttribute('data-testid') ?? el?.getAttribute('name') ?? null
    })
    if (focused === testId) return
  }
  throw new Error(`Tab never reached ${testId}`)
}

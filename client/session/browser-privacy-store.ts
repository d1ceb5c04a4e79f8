import { get, update } from 'idb-keyval'
import {
  type CumulativePrivacy,
  isCumulativePrivacy,
  memoryPrivacyStore,
  type PrivacyStore,
} from './cumulative-privacy'

const STORAGE_KEY = 'privx:privacy-spent'

/**
 * This browser's privacy totals in IndexedDB, beside its account (tabs of one profile share both): each change is
 * one idb-keyval `update`, a single read-write transaction, so tabs sending at once do not lose each other's counts.
 * A stored value of another shape starts over. Without IndexedDB the totals live as long as the page.
 */
export function browserPrivacyStore(): PrivacyStore {
  const fallback = memoryPrivacyStore()
  return {
    async read() {
      try {
        const stored = await get<unknown>(STORAGE_KEY)
        return isCumulativePrivacy(stored) ? stored : fallback.read()
      } catch {
        return fallback.read()
      }
    },
    async update(change) {
      let next: CumulativePrivacy | undefined
      try {
        await update<unknown>(STORAGE_KEY, (stored) => {
          next = change(isCumulativePrivacy(stored) ? stored : undefined)
          return next
        })
        if (next) return next
      } catch {
        // No IndexedDB (a private window in some browsers): counted in memory.
      }
      return fallback.update(change)
    },
  }
}

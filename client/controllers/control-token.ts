/** Where this tab keeps the coordinator page's control token: sessionStorage, so this tab only, kept across reloads. */
export const CONTROL_TOKEN_KEY = 'privx.controlToken'

type PageLocation = Pick<Location, 'hash' | 'href'>
type PageHistory = Pick<History, 'replaceState' | 'state'>
type TabStorage = Pick<Storage, 'getItem' | 'setItem'>

/**
 * The coordinator page's control token. The printed link carries it in the fragment (`/coordinator#token=…`), which
 * browsers never send to a server nor put in a Referer. This moves it from there into `storage`, then removes it
 * from the address bar and the history entry (other fragment parameters stay), so it is not bookmarked, shared or
 * seen over a shoulder. A reload in the same tab finds it in storage. '' when neither has one: the page watches.
 * The token then leaves the browser only in the dashboard socket's handshake `auth`, never in a URL.
 */
export function takeControlToken(
  location: PageLocation = globalThis.location,
  history: PageHistory = globalThis.history,
  storage: TabStorage | null = tabStorage(),
): string {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''))
  const fromLink = fragment.get('token')
  if (fromLink === null) return storage?.getItem(CONTROL_TOKEN_KEY) ?? ''
  fragment.delete('token')
  const url = new URL(location.href)
  url.hash = fragment.toString()
  history.replaceState(history.state, '', url)
  try {
    storage?.setItem(CONTROL_TOKEN_KEY, fromLink)
  } catch {
    // Storage full or refused: the token still works until the tab reloads.
  }
  return fromLink
}

/** sessionStorage, or null where the browser refuses it (some privacy modes throw on access). */
function tabStorage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null
  } catch {
    return null
  }
}

import type { ReplayChunk } from '../../shared/protocol'
import type { SessionLink } from './session-link'

/** Times a replay starts over because a checkpoint replaced the part it was reading. */
const MAX_REPLAY_RESTARTS = 3
/** Tries at a part that failed otherwise (no answer in time, refused), 2, 4, 8, 16 s apart. */
const MAX_PART_RETRIES = 4

export type ReplayOutcome =
  | { readonly ok: true; readonly parts: number }
  | { readonly ok: false; readonly reason: string }

/**
 * Reads the encrypted history from the coordinator part by part (`client:replay`), after the version `from` (null:
 * from the start), handing each part to `onPart` with the version it follows. A part that no longer exists (a
 * checkpoint replaced it) starts the reading over from the start, up to 3 times; any other failure is retried with
 * back-off, up to 4 times, and then reported. Stops, resolving null, as soon as `current()` says the reading was
 * superseded (a new model, a reset).
 */
export async function readReplay(
  link: SessionLink,
  from: string | null,
  current: () => boolean,
  onPart: (part: ReplayChunk, after: string | null) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<ReplayOutcome | null> {
  let after = from
  let restarts = 0
  let failures = 0
  let parts = 0
  for (;;) {
    const part = await link.result('client:replay', { after })
    if (!current()) return null
    if (!part.ok) {
      if (part.error.code === 'stale-round' && after !== null && restarts++ < MAX_REPLAY_RESTARTS) {
        after = null
        continue
      }
      if (part.error.code !== 'stale-round' && failures++ < MAX_PART_RETRIES) {
        await sleep(1000 * 2 ** failures)
        if (!current()) return null
        continue
      }
      return { ok: false, reason: part.error.message }
    }
    failures = 0
    parts++
    onPart(part.value, after)
    const last = part.value.aggregates.at(-1)?.version ?? part.value.checkpoint?.version
    if (!part.value.more || !last) return { ok: true, parts }
    after = last
  }
}

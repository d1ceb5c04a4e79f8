/** Display helpers shared by the pages. */
export const percent = (value: number | null | undefined): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : `${(value * 100).toFixed(1)}%`

export const decimal = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits)

export const seconds = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '–' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`

export function ago(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000))
  return s < 60 ? `${s}s ago` : `${Math.floor(s / 60)}m ${s % 60}s ago`
}

export const clock = (at: number): string => new Date(at).toLocaleTimeString()

/** A byte count for people: "512 B", "216 kB", "5.2 MB". */
export function bytes(count: number | null | undefined): string {
  if (count === null || count === undefined || !Number.isFinite(count)) return '–'
  if (count < 1000) return `${count} B`
  if (count < 1e6) return `${Math.round(count / 1000)} kB`
  return `${(count / 1e6).toFixed(1)} MB`
}

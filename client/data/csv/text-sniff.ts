/**
 * Whether the first bytes of a file look like UTF-8 text. Returns a reason when they do not: NUL bytes or many
 * control characters (a binary file: an image, a spreadsheet, an archive), or bytes that are not valid UTF-8.
 */
export function sniffText(head: Uint8Array): { ok: true } | { ok: false; reason: string } {
  if (head.length === 0) return { ok: true }
  let control = 0
  for (const byte of head) {
    if (byte === 0)
      return { ok: false, reason: 'it contains NUL bytes: it looks like a binary file, not CSV text' }
    if (byte < 32 && byte !== 9 && byte !== 10 && byte !== 13 && byte !== 12) control++
  }
  if (control / head.length > 0.05)
    return { ok: false, reason: 'it is mostly control characters: it looks binary, not CSV text' }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true })
  } catch {
    return { ok: false, reason: 'it is not UTF-8 text (save the file as "CSV UTF-8")' }
  }
  return { ok: true }
}

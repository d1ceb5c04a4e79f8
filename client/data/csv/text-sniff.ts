/** The text encodings a CSV is read in: UTF-8 (with or without a byte order mark), UTF-16 behind its mark. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be'

export type Sniffed = { ok: true; encoding: TextEncoding } | { ok: false; reason: string }

/**
 * The encoding of a file from its first bytes. A UTF-16 byte order mark (FF FE little-endian, FE FF big-endian)
 * means UTF-16; anything else must look like UTF-8 text. Returns a reason when it does not: NUL bytes or many
 * control characters (a binary file: an image, a spreadsheet, an archive, or UTF-16 saved without its mark), or
 * bytes that are not valid UTF-8.
 */
export function sniffText(head: Uint8Array): Sniffed {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return sniffDecoded(head, 'utf-16le')
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return sniffDecoded(head, 'utf-16be')
  if (head.length === 0) return { ok: true, encoding: 'utf-8' }
  let control = 0
  let evenNul = 0
  let oddNul = 0
  for (let i = 0; i < head.length; i++) {
    const byte = head[i]!
    if (byte === 0) {
      if (i % 2 === 0) evenNul++
      else oddNul++
    } else if (isControl(byte)) control++
  }
  if (evenNul + oddNul > 0) {
    const half = head.length / 2
    const most = Math.max(evenNul, oddNul)
    if (most >= 8 && most > half * 0.3 && Math.min(evenNul, oddNul) < half * 0.01) {
      return {
        ok: false,
        reason:
          'it looks like UTF-16 text without a byte order mark: save it as "CSV UTF-8" (or as UTF-16 with its mark)',
      }
    }
    return { ok: false, reason: 'it contains NUL bytes: it looks like a binary file, not CSV text' }
  }
  if (control / head.length > 0.05)
    return { ok: false, reason: 'it is mostly control characters: it looks binary, not CSV text' }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true })
  } catch {
    return { ok: false, reason: 'it is not UTF-8 text (save the file as "CSV UTF-8")' }
  }
  return { ok: true, encoding: 'utf-8' }
}

/** UTF-16 behind a byte order mark: its characters must not be NUL or mostly control characters either. */
function sniffDecoded(head: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): Sniffed {
  const text = new TextDecoder(encoding).decode(head.subarray(0, head.length - (head.length % 2)), {
    stream: true,
  })
  if (text.length === 0) return { ok: true, encoding }
  let control = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 0) {
      return {
        ok: false,
        reason: `it is ${encoding.toUpperCase()} with NUL characters: it looks binary, not CSV text`,
      }
    }
    if (isControl(code)) control++
  }
  if (control / text.length > 0.05)
    return { ok: false, reason: 'it is mostly control characters: it looks binary, not CSV text' }
  return { ok: true, encoding }
}

/** A C0 control character other than tab, line feed, form feed and carriage return. */
function isControl(code: number): boolean {
  return code < 32 && code !== 9 && code !== 10 && code !== 12 && code !== 13
}

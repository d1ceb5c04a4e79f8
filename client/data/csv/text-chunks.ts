import type { TextEncoding } from './text-sniff'

/** A piece of a file's text, and how far into the file (0 to 1) it reaches. */
export interface TextChunk {
  readonly text: string
  readonly fraction: number
}

/**
 * A file's text, piece by piece, without holding the whole file: a Blob's bytes are streamed and decoded in
 * `encoding` (a byte order mark is dropped; a character split between two reads is kept whole) in pieces of at
 * most `chunkChars` bytes, a string is cut into `chunkChars` pieces. Works in a browser worker and in Node (both have `Blob.stream` and `TextDecoder`).
 */
export async function* textChunks(
  source: Blob | string,
  encoding: TextEncoding,
  chunkChars: number,
): AsyncGenerator<TextChunk> {
  if (typeof source === 'string') {
    for (let at = 0; at < source.length; at += chunkChars) {
      const end = Math.min(source.length, at + chunkChars)
      yield { text: source.slice(at, end), fraction: end / source.length }
    }
    return
  }
  const decoder = new TextDecoder(encoding)
  const reader = source.stream().getReader()
  let read = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      // A stream may hand over the whole file at once (Node does): cut it, so a caller sees pieces of a known size.
      for (let at = 0; at < value.byteLength; at += chunkChars) {
        const piece = value.subarray(at, at + chunkChars)
        read += piece.byteLength
        const text = decoder.decode(piece, { stream: true })
        if (text) yield { text, fraction: source.size ? read / source.size : 1 }
      }
    }
    const rest = decoder.decode()
    if (rest) yield { text: rest, fraction: 1 }
  } finally {
    // Stops the read when the caller leaves early (a refused header, an abort); a no-op after the end.
    await reader.cancel()
  }
}

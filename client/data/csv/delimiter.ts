export const DELIMITERS = [',', ';', '\t', '|'] as const
export type Delimiter = (typeof DELIMITERS)[number]

/**
 * The delimiter of a CSV, read from its header line: the candidate that splits it into the most fields (outside
 * quotes), comma on a tie or when none occurs. The header decides because data rows may hold decimal commas
 * ("27,5" in a semicolon file) that would fool a guess from the rows.
 */
export function detectDelimiter(text: string): Delimiter {
  const firstLine = headerLine(text.replace(/^\uFEFF/, ''))
  let best: Delimiter = ','
  let bestCount = 0
  for (const candidate of DELIMITERS) {
    const count = countOutsideQuotes(firstLine, candidate)
    if (count > bestCount) {
      best = candidate
      bestCount = count
    }
  }
  return best
}

/**
 * The line break of a CSV: the first one outside quotes, `\r\n`, `\n` or a lone `\r` (old Mac files); `\n` when the
 * text has none.
 */
export function detectLineBreak(text: string): '\n' | '\r\n' | '\r' {
  const header = headerLine(text)
  const next = text[header.length]
  if (next === '\r') return text[header.length + 1] === '\n' ? '\r\n' : '\r'
  return '\n'
}

/** The first record's text: up to the first line break that is not inside quotes. */
function headerLine(text: string): string {
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') quoted = !quoted
    else if ((c === '\n' || c === '\r') && !quoted) return text.slice(0, i)
  }
  return text
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let quoted = false
  let count = 0
  for (const c of line) {
    if (c === '"') quoted = !quoted
    else if (c === delimiter && !quoted) count++
  }
  return count
}

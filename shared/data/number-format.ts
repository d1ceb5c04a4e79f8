/** The decimal mark of a file. Thousands separators are the other mark, a space, or an apostrophe. */
export type DecimalMark = '.' | ','

const DOT = /^[+-]?(?:\d{1,3}(?:([,' \u00a0])\d{3})(?:\1\d{3})*|\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/
const COMMA = /^[+-]?(?:\d{1,3}(?:([.' \u00a0])\d{3})(?:\1\d{3})*|\d*)(?:,\d+)?(?:[eE][+-]?\d+)?$/

/**
 * Reads a number written with the given decimal mark: "1,234.5" and "1234.5" with '.', "1.234,5" and "1234,5" with
 * ','. Thousands groups must be groups of three. Returns null for anything else (including "", "NaN", "1,2.3").
 */
export function parseDecimal(text: string, decimal: DecimalMark): number | null {
  const s = text.trim()
  if (s === '' || !/\d/.test(s)) return null
  const pattern = decimal === '.' ? DOT : COMMA
  if (!pattern.test(s)) return null
  const normalized =
    decimal === '.' ? s.replace(/[,' \u00a0]/g, '') : s.replace(/[.' \u00a0]/g, '').replace(',', '.')
  const value = Number(normalized)
  return Number.isFinite(value) ? value : null
}

/** The decimal mark a file most likely uses: ',' when its fields are separated by ';' (European CSV), else '.'. */
export function defaultDecimalFor(delimiter: string): DecimalMark {
  return delimiter === ';' ? ',' : '.'
}

const TRUE = new Set(['true', 't', 'yes', 'y', '1'])
const FALSE = new Set(['false', 'f', 'no', 'n', '0'])

/** true/false, t/f, yes/no, y/n, 1/0, any case; null for anything else. */
export function parseBoolean(text: string): boolean | null {
  const s = text.trim().toLowerCase()
  if (TRUE.has(s)) return true
  if (FALSE.has(s)) return false
  return null
}

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '-'])

/** Blank and the usual spellings of "not available". */
export function isMissing(text: string): boolean {
  return MISSING.has(text.trim().toLowerCase())
}

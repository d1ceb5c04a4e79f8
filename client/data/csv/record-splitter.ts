import Papa from 'papaparse'

export type LineBreak = '\n' | '\r\n' | '\r'

export interface SplitterEvents {
  /** One complete record's fields. */
  record(fields: string[]): void
  /** A quote problem in the record about to be delivered: 'missing' (never closed) or 'malformed'. */
  quotes(kind: 'missing' | 'malformed'): void
  /** A record not yet complete already has more than `maxFields` fields. */
  tooWide(): void
}

/**
 * Splits CSV text that arrives in pieces into records (papaparse's parser, RFC 4180 quotes), in time linear in
 * the text: a record cut by a piece's end is carried over, and parsing waits until the new text is at least as
 * long as the carried part, so no text is parsed more than a few times, even in a record of many megabytes. A
 * record still incomplete is checked for its field count, so one enormous line is refused before it is split.
 * Stops for good once `stop()` is called (from an event).
 */
export class RecordSplitter {
  readonly #parser: Papa.Parser
  readonly #delimiter: string
  readonly #maxFields: number
  readonly #minParse: number
  readonly #events: SplitterEvents
  #carry = ''
  #fresh: string[] = []
  #freshLength = 0
  #base = 0
  #stopped = false

  constructor(options: {
    delimiter: string
    lineBreak: LineBreak
    maxFields: number
    /** Text gathered before a parse (a cut-off record is re-read at most once per doubling). */
    minParseChars: number
    events: SplitterEvents
  }) {
    this.#delimiter = options.delimiter
    this.#maxFields = options.maxFields
    this.#minParse = options.minParseChars
    this.#events = options.events
    this.#parser = new Papa.Parser({
      delimiter: options.delimiter,
      newline: options.lineBreak,
      quoteChar: '"',
      step: (results: Papa.ParseStepResult<string[][]>) => this.#step(results),
    })
  }

  get stopped(): boolean {
    return this.#stopped
  }

  /** Ends the reading: no more events after the current one. */
  stop(): void {
    this.#stopped = true
    this.#parser.abort()
  }

  /** More text. Records complete in it are delivered now or with a later piece. */
  push(text: string): void {
    if (this.#stopped || text === '') return
    this.#fresh.push(text)
    this.#freshLength += text.length
    if (this.#freshLength >= Math.max(this.#minParse, this.#carry.length)) this.#parse(false)
  }

  /** The end of the text: the last record, even without a final line break. */
  end(): void {
    if (!this.#stopped) this.#parse(true)
  }

  #parse(last: boolean): void {
    const input = this.#carry + this.#fresh.join('')
    this.#fresh = []
    this.#freshLength = 0
    const result: Papa.ParseResult<string[]> = this.#parser.parse(input, this.#base, !last)
    if (this.#stopped || last) {
      this.#carry = ''
      return
    }
    const consumed = result.meta.cursor - this.#base
    this.#base += consumed
    this.#carry = input.slice(consumed)
    if (fieldsAtLeast(this.#carry, this.#delimiter, this.#maxFields) > this.#maxFields) this.#events.tooWide()
  }

  #step(results: Papa.ParseStepResult<string[][]>): void {
    if (this.#stopped) return
    const quotes = results.errors.find((e) => e.type === 'Quotes')
    if (quotes) {
      this.#events.quotes(quotes.code === 'MissingQuotes' ? 'missing' : 'malformed')
      if (this.#stopped) return
    }
    for (const fields of results.data) {
      this.#events.record(fields)
      if (this.#stopped) return
    }
  }
}

/**
 * The fields of one record's text so far (a quoted field may hold delimiters and line breaks), counted as far as
 * needed: the count stops just past `limit`.
 */
function fieldsAtLeast(text: string, delimiter: string, limit: number): number {
  let fields = 1
  let quoted = false
  let fieldStart = true
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') i++
        else quoted = false
      }
      continue
    }
    if (c === delimiter) {
      if (++fields > limit) return fields
      fieldStart = true
      continue
    }
    if (c === '"' && fieldStart) quoted = true
    fieldStart = false
  }
  return fields
}

/** What a tab learns about a CSV before joining; shown only in that tab. */

export type IssueKind =
  | 'ragged'
  | 'empty-label'
  | 'unknown-class'
  | 'unparsable'
  | 'not-integer'
  | 'unknown-category'
  | 'missing-value'
  | 'out-of-range'
  | 'imputed'

/** One example of a problem: where it is and what was there. */
export interface IssueExample {
  readonly line: number
  readonly column: string | null
  readonly value: string
  readonly message: string
}

export interface IssueSummary {
  readonly kind: IssueKind
  /** Rows affected. `out-of-range` and `imputed` rows are kept; the others are dropped. */
  readonly count: number
  readonly dropsRows: boolean
  readonly examples: readonly IssueExample[]
}

export type ColumnSummary =
  | {
      readonly name: string
      readonly type: 'numeric' | 'integer'
      readonly min: number
      readonly max: number
      readonly mean: number
      readonly missing: number
    }
  | { readonly name: string; readonly type: 'boolean'; readonly trueShare: number; readonly missing: number }
  | {
      readonly name: string
      readonly type: 'categorical'
      readonly counts: readonly (readonly [string, number])[]
      readonly missing: number
    }

export interface CsvReport {
  readonly fileName: string
  readonly bytes: number
  readonly delimiter: string
  readonly decimal: '.' | ','
  /** Why the file cannot be used at all (nothing is loaded), or null. */
  readonly fatal: string | null
  readonly warnings: readonly string[]
  readonly header: readonly string[]
  readonly extraColumns: readonly string[]
  readonly rows: { readonly total: number; readonly valid: number; readonly dropped: number }
  readonly issues: readonly IssueSummary[]
  /** Valid rows per class, in the task's class order. */
  readonly classCounts: readonly number[]
  /** The first data rows as written in the file: never sent anywhere. */
  readonly preview: readonly (readonly string[])[]
  readonly columns: readonly ColumnSummary[]
}

export const DELIMITER_NAMES: Readonly<Record<string, string>> = {
  ',': 'comma',
  ';': 'semicolon',
  '\t': 'tab',
  '|': 'pipe',
}

/** Each kind of problem in words, as the tab's report (and the command line's) names it. */
export const ISSUE_TEXT: Readonly<Record<IssueKind, string>> = {
  ragged: 'rows with the wrong number of fields',
  'empty-label': 'rows with an empty label',
  'unknown-class': 'rows whose label is not a class of the task',
  unparsable: 'values that do not parse',
  'not-integer': 'non-integers in integer columns',
  'unknown-category': 'values that are not a category of their column',
  'missing-value': 'rows with a missing value',
  'out-of-range': 'values outside the declared range (clipped, row kept)',
  imputed: 'missing values filled in (row kept)',
}

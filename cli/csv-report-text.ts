import { type CsvReport, DELIMITER_NAMES, ISSUE_TEXT } from '../client/data/csv/csv-report'
import type { ColumnSchema, TaskSchema } from '../shared/tasks/schema'
import type { ColumnVerdict } from '../shared/tasks/schema-inference'

const pct = (v: number) => `${(v * 100).toFixed(1)}%`

/**
 * What the command line read from a CSV, in the terminal, with what a tab's report shows: the separator and decimal
 * mark, the schema (each column's inferred type and why a column was left out, or the --schema file's), valid and
 * dropped rows, every problem with its count and first lines (line, column, value), warnings, and the classes.
 */
export function csvReportText(
  report: Omit<CsvReport, 'preview'>,
  schema: TaskSchema,
  columns: readonly ColumnVerdict[],
  schemaFile: string | null,
): string {
  const delimiter = DELIMITER_NAMES[report.delimiter] ?? JSON.stringify(report.delimiter)
  const lines = [
    `read ${report.fileName}: ${(report.bytes / 1024).toFixed(1)} KB, ${delimiter}-separated, decimal ${report.decimal === '.' ? 'point' : 'comma'}`,
  ]
  if (schemaFile === null) {
    lines.push('schema inferred from the file (--schema FILE reads it with yours instead):')
    const width = Math.max(...columns.map((c) => c.name.length))
    for (const c of columns) lines.push(`  ${c.name.padEnd(width)}  ${c.note}`)
  } else {
    lines.push(`schema from ${schemaFile}:`)
    for (const c of schema.features) lines.push(`  ${c.name}  ${describe(c)}`)
    lines.push(`  ${schema.label.name}  label, classes ${schema.label.classes.join(', ')}`)
  }
  if (!report.fatal) {
    const { valid, total, dropped } = report.rows
    lines.push(`rows: ${valid} of ${total} valid${dropped ? `; ${dropped} left out` : ''}`)
    lines.push(
      `classes: ${schema.label.classes.map((c, i) => `${c} ${report.classCounts[i] ?? 0} (${pct((report.classCounts[i] ?? 0) / Math.max(1, valid))})`).join(', ')}`,
    )
  }
  for (const issue of report.issues) {
    lines.push(`${ISSUE_TEXT[issue.kind]}: ${issue.count}${issue.dropsRows ? ', left out' : ''}`)
    for (const e of issue.examples)
      lines.push(`  line ${e.line}${e.column === null ? '' : `, ${e.column}`}: "${e.value}": ${e.message}`)
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`)
  return lines.join('\n')
}

function describe(c: ColumnSchema): string {
  switch (c.type) {
    case 'numeric':
    case 'integer':
      return `${c.type}, range [${c.min}, ${c.max}]`
    case 'categorical':
      return `categorical, ${c.categories.join(', ')}`
    default:
      return c.type
  }
}

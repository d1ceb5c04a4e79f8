import { COLUMN_TYPES, type TaskSchema } from '../../shared/tasks/schema'
import type { ColumnVerdict } from '../../shared/tasks/schema-inference'

export type ColumnType = (typeof COLUMN_TYPES)[number]
export type ColumnRole = 'feature' | 'label' | 'ignored'

/** One column of the file as the schema form edits it; a header alone leaves its type unchosen. */
export interface DraftColumn {
  readonly name: string
  readonly role: ColumnRole
  /** null until the person chooses it. The label is always categorical: its `values` are the classes. */
  readonly type: ColumnType | null
  readonly min: number | null
  readonly max: number | null
  /** A categorical feature's categories, or the label's classes. */
  readonly values: readonly string[]
}

/**
 * A task schema being written: every column of the file in its order, ignored ones included (a `TaskSchema` holds
 * only features and the label). Its JSON (`draftJson`) is the schema's, with null where a choice is still to make,
 * so the schema's own validation names what is missing.
 */
export interface SchemaDraft {
  readonly columns: readonly DraftColumn[]
  readonly missing: TaskSchema['missing']
}

const blank = (name: string, role: ColumnRole): DraftColumn => ({
  name,
  role,
  type: null,
  min: null,
  max: null,
  values: [],
})

/** The schema's JSON for a draft: features in file order, the label (null until chosen), the missing policy. */
export function draftJson(draft: SchemaDraft): unknown {
  const label = draft.columns.find((c) => c.role === 'label')
  return {
    features: draft.columns.filter((c) => c.role === 'feature').map(featureJson),
    label: label ? { name: label.name, classes: [...label.values] } : null,
    missing: draft.missing,
  }
}

function featureJson(c: DraftColumn): unknown {
  switch (c.type) {
    case null:
      return { name: c.name, type: null }
    case 'numeric':
    case 'integer':
      return { name: c.name, type: c.type, min: c.min, max: c.max }
    case 'boolean':
      return { name: c.name, type: c.type }
    case 'categorical':
      return { name: c.name, type: c.type, categories: [...c.values] }
    default: {
      const _exhaustive: never = c.type
      throw new Error(`unknown column type ${String(_exhaustive)}`)
    }
  }
}

/**
 * Reads a schema's JSON (complete or not) into a draft. Columns of `layout` (the file's columns, e.g. the previous
 * draft) keep their order, and those the JSON leaves out stay as ignored columns. Fails only when the text is not
 * JSON or not shaped like a schema at all.
 */
export function readDraft(
  text: string,
  layout: SchemaDraft | null,
): { ok: true; draft: SchemaDraft } | { ok: false; message: string } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { ok: false, message: `not JSON (${error instanceof Error ? error.message : String(error)})` }
  }
  if (!isRecord(json) || !Array.isArray(json.features))
    return { ok: false, message: 'a schema is an object with "features" (a list) and "label"' }
  const columns: DraftColumn[] = []
  for (const [i, f] of json.features.entries()) {
    if (!isRecord(f) || typeof f.name !== 'string')
      return { ok: false, message: `feature ${i + 1}: give each column a "name"` }
    const type = COLUMN_TYPES.find((t) => t === f.type) ?? null
    columns.push({
      name: f.name,
      role: 'feature',
      type,
      min: typeof f.min === 'number' ? f.min : null,
      max: typeof f.max === 'number' ? f.max : null,
      values: strings(f.categories),
    })
  }
  const label = json.label
  if (isRecord(label) && typeof label.name === 'string')
    columns.push({ ...blank(label.name, 'label'), type: 'categorical', values: strings(label.classes) })
  const named = new Set(columns.map((c) => c.name))
  const order = new Map(layout?.columns.map((c, i) => [c.name, i]))
  const kept = (layout?.columns ?? [])
    .filter((c) => !named.has(c.name))
    .map((c) => ({ ...c, role: 'ignored' as const }))
  const all = [...columns, ...kept]
  const at = (c: DraftColumn) => order.get(c.name) ?? Number.POSITIVE_INFINITY
  const sorted = all.map((c, i) => ({ c, i })).sort((a, b) => at(a.c) - at(b.c) || a.i - b.i)
  return {
    ok: true,
    draft: { columns: sorted.map((s) => s.c), missing: json.missing === 'impute' ? 'impute' : 'drop-row' },
  }
}

/**
 * The file's columns as inference saw them (`ColumnVerdict`s, in file order): features and the label from the
 * schema, left-out columns ignored, with no type (inference keeps none for them).
 */
export function layoutOf(notes: readonly ColumnVerdict[]): SchemaDraft | null {
  const columns = notes
    .filter((n) => n.name !== '(rows)')
    .map((n) => blank(n.name, n.role === 'left-out' ? 'ignored' : n.role))
  return columns.length ? { columns, missing: 'drop-row' } : null
}

/**
 * A draft from a header line alone: every column a feature of no type yet, and no label. Nothing is guessed, so
 * the person chooses each type and the label. Fails on an empty header, duplicates or reserved names.
 */
export function draftFromHeader(
  headerLine: string,
): { ok: true; draft: SchemaDraft } | { ok: false; message: string } {
  const line = headerLine.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? ''
  const delimiter = [';', '\t', '|', ','].reduce(
    (best, d) => (line.split(d).length > line.split(best).length ? d : best),
    ',',
  )
  const names = line.split(delimiter).map((n) =>
    n
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim(),
  )
  if (names.length < 2 || names.some((n) => n === ''))
    return {
      ok: false,
      message: 'header: give at least two non-empty column names, e.g. age,bmi,smoker,outcome',
    }
  const duplicate = names.find((n, i) => names.indexOf(n) !== i)
  if (duplicate) return { ok: false, message: `header: column "${duplicate}" appears twice` }
  return { ok: true, draft: { columns: names.map((n) => blank(n, 'feature')), missing: 'drop-row' } }
}

/** The draft with column `index` in `role`. Exactly one label: a new label turns the old one into a feature. */
export function withRole(draft: SchemaDraft, index: number, role: ColumnRole): SchemaDraft {
  const columns = draft.columns.map((c, i): DraftColumn => {
    if (i === index) {
      if (role !== 'label') return { ...c, role, type: c.role === 'label' ? 'categorical' : c.type }
      return {
        ...c,
        role,
        type: 'categorical',
        values: c.type === 'categorical' || c.role === 'label' ? c.values : [],
      }
    }
    return role === 'label' && c.role === 'label' ? { ...c, role: 'feature', type: 'categorical' } : c
  })
  return { ...draft, columns }
}

/** The draft with column `index` changed by `change`. */
export function withColumn(draft: SchemaDraft, index: number, change: Partial<DraftColumn>): SchemaDraft {
  return { ...draft, columns: draft.columns.map((c, i) => (i === index ? { ...c, ...change } : c)) }
}

/** A column given another type: values to start from (its range kept), which the person then edits. */
export function retyped(c: DraftColumn, type: ColumnType | null): Partial<DraftColumn> {
  if (type === 'boolean' || type === null) return { type }
  if (type === 'categorical') return { type, values: c.type === 'boolean' ? ['no', 'yes'] : c.values }
  return { type, min: c.min ?? 0, max: c.max ?? 1 }
}

/**
 * Categories or classes that look like a missing-value marker rather than a value (".", "*", "--"): no letter or
 * digit. Kept, such a value becomes a category of its own; removed, its rows are left out and reported.
 */
export function suspiciousValues(values: readonly string[]): string[] {
  return values.filter((v) => !/[\p{L}\p{N}]/u.test(v))
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []

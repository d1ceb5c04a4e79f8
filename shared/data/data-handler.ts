import Papa from 'papaparse'
import { readDatasetFrame } from '../market/dataset-frame'
import { type RandomSource, seededRandom, standardNormal } from '../random'
import type { ColumnSchema, TaskSchema } from '../tasks/schema'
import { SchemaInference } from '../tasks/schema-inference'
import { type DataSpec, dataSpecSchema } from './column-spec'
import { csvDocument } from './csv-cell'

export type Row = Record<string, number | string>

/** A dataset in memory: rows as records, with the task schema that reads them. */
export interface Table {
  readonly name: string
  readonly schema: TaskSchema
  readonly rows: readonly Row[]
}

/** A Gamma(shape, 1) draw (Marsaglia and Tsang 2000; shape < 1 boosted by U^(1/shape)). */
function gamma(shape: number, random: RandomSource): number {
  if (shape < 1) return gamma(shape + 1, random) * random() ** (1 / shape)
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    const x = standardNormal(random)
    const v = (1 + c * x) ** 3
    if (v <= 0) continue
    const u = random()
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v
  }
}

/** Proportions from Dirichlet(alpha, ..., alpha) over k parts. */
export function dirichlet(k: number, alpha: number, random: RandomSource): number[] {
  const draws = Array.from({ length: k }, () => gamma(alpha, random))
  const total = draws.reduce((a, b) => a + b, 0)
  return draws.map((d) => d / total)
}

const clip = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v))

/**
 * Privx's data handler: makes seeded datasets from a column specification, loads CSVs against a schema, and splits
 * tables into held-out and per-client parts (IID or non-IID by a Dirichlet split of the labels). Pure: no I/O;
 * files are read and written by its callers.
 */
export const DataHandler = {
  /** `rows` rows from `spec`, reproducible from `seed`. Throws with the field's path for a bad spec. */
  generate(input: DataSpec, rows: number, seed: number): Table {
    const spec = parseSpec(input)
    const random = seededRandom(seed)
    const out: Row[] = []
    for (let r = 0; r < rows; r++) {
      const row: Row = {}
      let logit = spec.label.bias
      for (const c of spec.columns) {
        switch (c.type) {
          case 'float':
          case 'integer': {
            const mean = c.mean ?? (c.min + c.max) / 2
            const std = c.std ?? (c.max - c.min) / 6
            let v = clip(mean + std * standardNormal(random), c.min, c.max)
            v = c.type === 'integer' ? Math.round(v) : Number(v.toFixed(c.decimals))
            row[c.name] = v
            logit += (spec.label.weights[c.name] ?? 0) * clip((v - mean) / std, -3, 3)
            break
          }
          case 'category': {
            const weights = c.weights ?? c.categories.map(() => 1)
            const total = weights.reduce((a, b) => a + b, 0)
            let pick = random() * total
            let i = 0
            while (i < c.categories.length - 1 && pick >= weights[i]!) pick -= weights[i++]!
            row[c.name] = c.categories[i]!
            logit += spec.label.categoryEffects[c.name]?.[c.categories[i]!] ?? 0
            break
          }
          case 'boolean': {
            const yes = random() < c.p
            row[c.name] = yes ? 'yes' : 'no'
            const spread = Math.sqrt(c.p * (1 - c.p)) || 1
            logit += (spec.label.weights[c.name] ?? 0) * ((Number(yes) - c.p) / spread)
            break
          }
        }
      }
      logit += spec.label.noise * standardNormal(random)
      row[spec.label.name] = logit > 0 ? spec.label.classes[1] : spec.label.classes[0]
      out.push(row)
    }
    return { name: spec.name, schema: DataHandler.schemaOf(input), rows: out }
  },

  /** The task schema a spec's data is read with. */
  schemaOf(input: DataSpec): TaskSchema {
    const spec = parseSpec(input)
    const features = spec.columns.map((c): ColumnSchema => {
      switch (c.type) {
        case 'float':
          return { name: c.name, type: 'numeric', min: c.min, max: c.max }
        case 'integer':
          return { name: c.name, type: 'integer', min: c.min, max: c.max }
        case 'category':
          return { name: c.name, type: 'categorical', categories: c.categories }
        default:
          return { name: c.name, type: 'boolean' }
      }
    })
    return {
      features,
      label: { name: spec.label.name, classes: [...spec.label.classes] },
      missing: 'drop-row',
    }
  },

  /**
   * A schema inferred from a CSV's content (`SchemaInference`: types, ranges rounded outward, categories, booleans)
   * with `label` as its label column. Columns that cannot be features (identifiers, free text, constants) are left
   * out. Fails naming what is wrong.
   */
  inferSchema(text: string, label: string): TaskSchema {
    const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
      header: false,
      skipEmptyLines: 'greedy',
    })
    const [header, ...rows] = parsed.data
    const inference = new SchemaInference('.', { label })
    if (header && inference.header(header)) {
      if (rows.length < 10) throw new Error(`only ${rows.length} data rows: too few to train on`)
      for (const row of rows) inference.row(row)
    }
    const inferred = inference.finish()
    if (!inferred.ok) throw new Error(inferred.message)
    return inferred.schema
  },

  /** Loads a CSV as a table checked against `schema` (bad rows are dropped and counted). */
  fromCsv(name: string, text: string, schema: TaskSchema): Table & { dropped: number } {
    const read = readDatasetFrame(text, schema)
    if (read.fatal) throw new Error(`${name}: ${read.fatal}`)
    const names = [...read.frame.keys()]
    const rows = Array.from({ length: read.rows }, (_, r) =>
      Object.fromEntries(names.map((n) => [n, read.frame.get(n)![r]!])),
    )
    // Booleans come back as 1/0; write them as yes/no, as the generators do.
    for (const c of schema.features)
      if (c.type === 'boolean') for (const row of rows) row[c.name] = row[c.name] ? 'yes' : 'no'
    return { name, schema, rows, dropped: read.droppedRows }
  },

  /** The table as CSV text (header first); cells that would start a formula in a spreadsheet are escaped. */
  toCsv(table: Pick<Table, 'schema' | 'rows'>): string {
    const fields = [...table.schema.features.map((f) => f.name), table.schema.label.name]
    return csvDocument(
      fields,
      table.rows.map((r) => fields.map((f) => r[f] ?? '')),
    )
  },

  /** A held-out share of the rows (stratified by label), and the rest. */
  holdOut(table: Table, share: number, seed: number): { train: Table; test: Table } {
    const random = seededRandom(seed)
    const train: Row[] = []
    const test: Row[] = []
    for (const cls of table.schema.label.classes) {
      const rows = table.rows.filter((r) => r[table.schema.label.name] === cls)
      shuffle(rows, random)
      const cut = Math.round(rows.length * share)
      test.push(...rows.slice(0, cut))
      train.push(...rows.slice(cut))
    }
    return {
      train: { ...table, rows: shuffle(train, random) },
      test: { ...table, rows: shuffle(test, random) },
    }
  },

  /**
   * Splits rows over `clients`: IID (alpha = Infinity) deals them round-robin after a shuffle; otherwise each
   * class's rows are divided by Dirichlet(alpha) proportions (Hsu, Qi and Brown 2019), so small alpha gives each
   * client a skewed label mix. Every client gets at least `minRows` (taken from the largest).
   */
  split(table: Table, clients: number, alpha: number, seed: number, minRows = 10): Table[] {
    const random = seededRandom(seed)
    const parts: Row[][] = Array.from({ length: clients }, () => [])
    if (!Number.isFinite(alpha)) {
      shuffle([...table.rows], random).forEach((row, i) => {
        parts[i % clients]!.push(row)
      })
    } else {
      for (const cls of table.schema.label.classes) {
        const rows = shuffle(
          table.rows.filter((r) => r[table.schema.label.name] === cls),
          random,
        )
        const proportions = dirichlet(clients, alpha, random)
        let start = 0
        proportions.forEach((p, i) => {
          const end = i === clients - 1 ? rows.length : start + Math.round(p * rows.length)
          parts[i]!.push(...rows.slice(start, end))
          start = end
        })
      }
    }
    for (const part of parts) {
      while (part.length < minRows) {
        const largest = parts.reduce((a, b) => (b.length > a.length ? b : a))
        if (largest.length <= minRows) break
        part.push(largest.pop()!)
      }
    }
    return parts.map((rows, i) => ({
      ...table,
      name: `${table.name} (client ${i + 1})`,
      rows: shuffle(rows, random),
    }))
  },
}

/** The spec checked, or an error naming each problem by its path ("columns.2.max: ..."). */
function parseSpec(input: DataSpec) {
  const parsed = dataSpecSchema.safeParse(input)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`)
  throw new Error(`data spec "${input.name}": ${problems.join('; ')}`)
}

function shuffle<T>(items: T[], random: RandomSource): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

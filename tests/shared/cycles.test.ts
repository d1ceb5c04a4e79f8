import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * No import cycles in the source folders. Every edge counts: `import`, `export … from`, side-effect imports and
 * `import('…')` (dynamic, or in a type position). Type-only imports count too: they erase at run time, but a
 * cycle of types still ties the files into one unit that cannot be read, moved or tested apart, and it is one
 * `import type` → `import` edit away from an initialisation-order bug. Only relative specifiers are followed
 * (packages cannot import back into this repository).
 */
const ROOTS = ['shared', 'coordinator', 'client', 'cli']

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return /\.ts$/.test(path) && !path.endsWith('.d.ts') ? [path] : []
  })
}

const SPECIFIERS = [
  /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s+['"]([^'"]+)['"]/gm,
  /^\s*import\s+['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
]

/** The relative imports of `file`, resolved to source paths (`x` → `x.ts` or `x/index.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const found = new Set<string>()
  for (const pattern of SPECIFIERS)
    for (const match of text.matchAll(pattern)) {
      const spec = match[1]!
      if (!spec.startsWith('.')) continue
      const base = normalize(join(dirname(file), spec.replace(/\.js$/, '')))
      const target = [`${base}.ts`, join(base, 'index.ts'), base].find(
        (p) => existsSync(p) && statSync(p).isFile(),
      )
      if (target) found.add(target)
    }
  return [...found]
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (node: string): void => {
    index.set(node, counter)
    low.set(node, counter)
    counter += 1
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!))
    }
    if (low.get(node) !== index.get(node)) return
    const component: string[] = []
    for (;;) {
      const member = stack.pop()!
      onStack.delete(member)
      component.push(member)
      if (member === node) break
    }
    if (component.length > 1 || graph.get(node)?.includes(node)) found.push(component.sort())
  }
  for (const node of graph.keys()) if (!index.has(node)) visit(node)
  return found
}

/** One concrete loop through `component`, as `a → b → … → a`, so the message says which import to cut. */
function loopThrough(component: readonly string[], graph: ReadonlyMap<string, readonly string[]>): string {
  const members = new Set(component)
  const start = component[0]!
  const previous = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const node = queue.shift()!
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue
      if (next === start) {
        const path = [node]
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!)
        return [...path, start].join(' → ')
      }
      if (!previous.has(next)) {
        previous.set(next, node)
        queue.push(next)
      }
    }
  }
  return component.join(', ')
}

describe('import graph', () => {
  it('has no cycles in shared/, coordinator/, client/ or cli/', () => {
    const root = process.cwd()
    const files = ROOTS.flatMap((dir) => sources(join(root, dir)))
    const graph = new Map(
      files.map((file) => [relative(root, file), importsOf(file).map((target) => relative(root, target))]),
    )
    const report = cycles(graph).map(
      (component) =>
        `${component.length} files: ${loopThrough(component, graph)}\n    (${component.join(', ')})`,
    )
    expect(report).toEqual([])
  })
})

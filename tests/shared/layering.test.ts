import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

const imports = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!)

describe('one-way layers', () => {
  it('shared/ imports no socket.io, tfjs, lit, DOM-bound or node: module', () => {
    const forbidden = /^(socket\.io|socket\.io-client|@tensorflow\/|lit|chart\.js|node:|vite)/
    const offenders = sources('shared').flatMap((f) =>
      imports(f)
        .filter((i) => forbidden.test(i))
        .map((i) => `${f}: ${i}`),
    )
    expect(offenders).toEqual([])
  })

  it('client/ and coordinator/ never import each other', () => {
    const across = [
      ...sources('client').flatMap((f) =>
        imports(f)
          .filter((i) => i.includes('/coordinator/'))
          .map((i) => `${f}: ${i}`),
      ),
      ...sources('coordinator').flatMap((f) =>
        imports(f)
          .filter((i) => i.includes('/client/'))
          .map((i) => `${f}: ${i}`),
      ),
    ]
    expect(across).toEqual([])
  })
})

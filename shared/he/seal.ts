import SEAL, { type MainModule } from 'node-seal'
import { HeError } from './errors'

/** The SEAL WebAssembly module. Load it once (`loadSeal`) and pass it in; every HE function takes it through its context. */
export type Seal = MainModule

let loading: Promise<Seal> | null = null

/**
 * Loads SEAL once per JavaScript realm (page, worker or Node process). `locateFile: undefined` lets the module find its
 * `.wasm` next to the emitted script after `vite build` (../shared/reference/browser-and-runtime.md). node-seal 7
 * needs WebAssembly exception handling: Node >= 22, Chromium >= 137.
 */
export function loadSeal(): Promise<Seal> {
  loading ??= SEAL({ locateFile: undefined }).catch((error: unknown) => {
    loading = null
    throw new HeError(
      'seal',
      `SEAL (node-seal) failed to load: ${String(error)}. It needs WebAssembly exception handling (Node >= 22, Chromium >= 137).`,
    )
  })
  return loading
}

/**
 * Runs a SEAL call and turns a WebAssembly exception into an HeError carrying SEAL's own message
 * (e.g. "std::invalid_argument: encryption parameters are not set correctly").
 */
export function sealCall<T>(seal: Seal, what: string, call: () => T, code: HeError['code'] = 'seal'): T {
  try {
    return call()
  } catch (error) {
    if (error instanceof HeError) throw error
    let detail = String(error)
    const exceptionClass = (globalThis as { WebAssembly?: { Exception?: new () => object } }).WebAssembly
      ?.Exception
    if (exceptionClass && error instanceof exceptionClass) {
      try {
        const withMessages = seal as unknown as { getExceptionMessage(e: unknown): [string, string] }
        const [type, message] = withMessages.getExceptionMessage(error)
        detail = `${type}: ${message}`
      } catch {
        detail = 'SEAL raised an exception'
      }
    }
    throw new HeError(code, `${what} failed: ${detail}`)
  }
}

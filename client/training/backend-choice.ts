export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const
export type BackendName = (typeof BACKENDS)[number]

/** What a browser offers. A software adapter (SwiftShader, llvmpipe) counts as `fallback` / `software`. */
export interface BackendProbe {
  readonly webgpu: 'absent' | 'fallback' | 'hardware'
  readonly webgl: 'absent' | 'software' | 'hardware'
  readonly wasm: boolean
}

export function parseBackendName(value: string | null | undefined): BackendName | null {
  return BACKENDS.find((name) => name === value) ?? null
}

/**
 * Backends to try, best first: hardware WebGPU, hardware WebGL, WASM, CPU. Software GPU emulation is skipped:
 * measured on SwiftShader it is 8 to 50 times slower than WASM (shared/reference/browser-and-runtime.md).
 * A `requested` backend (the `?backend=` URL parameter) is tried first, even a software one.
 */
export function rankBackends(probe: BackendProbe, requested?: BackendName | null): BackendName[] {
  const automatic: BackendName[] = []
  if (probe.webgpu === 'hardware') automatic.push('webgpu')
  if (probe.webgl === 'hardware') automatic.push('webgl')
  if (probe.wasm) automatic.push('wasm')
  automatic.push('cpu')
  if (!requested) return automatic
  return [requested, ...automatic.filter((name) => name !== requested)]
}

/** Why a backend was chosen, for the tab to show. */
export function explainChoice(
  probe: BackendProbe,
  chosen: BackendName,
  requested?: BackendName | null,
): string {
  if (requested && chosen === requested) return `${chosen} (requested)`
  if (requested) return `${chosen} (${requested} was requested but is unavailable)`
  const skipped: string[] = []
  if (probe.webgpu === 'fallback') skipped.push('software WebGPU')
  if (probe.webgl === 'software') skipped.push('software WebGL')
  return skipped.length ? `${chosen} (skipped ${skipped.join(' and ')})` : chosen
}

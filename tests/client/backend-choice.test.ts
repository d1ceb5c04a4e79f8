import { describe, expect, it } from 'vitest'
import { explainChoice, parseBackendName, rankBackends } from '../../client/training/backend-choice'

describe('backend choice', () => {
  it('prefers hardware WebGPU, then hardware WebGL, then WASM, then CPU', () => {
    expect(rankBackends({ webgpu: 'hardware', webgl: 'hardware', wasm: true })).toEqual([
      'webgpu',
      'webgl',
      'wasm',
      'cpu',
    ])
  })

  it('skips software GPU emulation (SwiftShader) in favour of WASM', () => {
    const probe = { webgpu: 'fallback', webgl: 'software', wasm: true } as const
    expect(rankBackends(probe)).toEqual(['wasm', 'cpu'])
    expect(explainChoice(probe, 'wasm')).toBe('wasm (skipped software WebGPU and software WebGL)')
  })

  it('tries a requested backend first, even a software one', () => {
    expect(rankBackends({ webgpu: 'absent', webgl: 'software', wasm: true }, 'webgl')).toEqual([
      'webgl',
      'wasm',
      'cpu',
    ])
    expect(explainChoice({ webgpu: 'absent', webgl: 'absent', wasm: true }, 'wasm', 'webgpu')).toBe(
      'wasm (webgpu was requested but is unavailable)',
    )
  })

  it('parses only known backend names', () => {
    expect(parseBackendName('wasm')).toBe('wasm')
    expect(parseBackendName('tpu')).toBeNull()
    expect(parseBackendName(null)).toBeNull()
  })
})

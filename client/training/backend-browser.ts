import * as tf from '@tensorflow/tfjs'
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'
import { type BackendName, type BackendProbe, explainChoice, rankBackends } from './backend-choice'

type GpuAdapter = { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } }
type GpuNavigator = { gpu?: { requestAdapter(): Promise<GpuAdapter | null> } }

const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|software|basic render/i

/** Probes WebGPU, WebGL2 and WASM in this browser thread (page or worker). */
export async function probeBrowser(): Promise<BackendProbe> {
  return { webgpu: await probeWebGpu(), webgl: probeWebGl(), wasm: typeof WebAssembly === 'object' }
}

async function probeWebGpu(): Promise<BackendProbe['webgpu']> {
  const gpu = (navigator as unknown as GpuNavigator).gpu
  if (!gpu) return 'absent'
  try {
    const adapter = await gpu.requestAdapter()
    if (!adapter) return 'absent'
    return (adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter) ? 'fallback' : 'hardware'
  } catch {
    return 'absent'
  }
}

function probeWebGl(): BackendProbe['webgl'] {
  try {
    const canvas =
      typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(1, 1) : document.createElement('canvas')
    const gl = canvas.getContext('webgl2') as WebGL2RenderingContext | null
    if (!gl) return 'absent'
    const debug = gl.getExtension('WEBGL_debug_renderer_info')
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER))
    return SOFTWARE_RENDERERS.test(renderer) ? 'software' : 'hardware'
  } catch {
    return 'absent'
  }
}

async function register(name: BackendName): Promise<void> {
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu')
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm')
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlainUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    })
  }
}

/** Activates the best available backend (or the requested one); returns its name and why it was chosen. */
export async function activateBrowserBackend(
  requested: BackendName | null,
): Promise<{ backend: BackendName; reason: string }> {
  const probe = await probeBrowser()
  for (const name of rankBackends(probe, requested)) {
    try {
      await register(name)
      if (await tf.setBackend(name)) {
        await tf.ready()
        return { backend: name, reason: explainChoice(probe, name, requested) }
      }
    } catch {
      // This backend failed to initialise here; try the next one.
    }
  }
  throw new Error('no TensorFlow.js backend could be initialised in this browser')
}

import * as tf from '@tensorflow/tfjs'

export type NodeBackend = 'wasm' | 'cpu'

/** Activates tfjs in Node: WASM (fastest without tfjs-node, which cannot install here) or pure-JS CPU. */
export async function activateNodeBackend(requested: NodeBackend = 'wasm'): Promise<NodeBackend> {
  if (requested === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm')
    if (await tf.setBackend('wasm')) {
      await tf.ready()
      return 'wasm'
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend is unavailable')
  await tf.ready()
  return 'cpu'
}

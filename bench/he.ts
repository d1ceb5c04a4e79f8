/**
 * Encrypted aggregation against the plaintext round, side by side in one run: for 10k, 100k and 1M parameters,
 * one client's encrypt (quantize + BFV, or CKKS), the coordinator's sum of CLIENTS uploads (load + add, streaming)
 * and one tab's decrypt (decrypt + dequantize), with bytes per client each way; and the same round in the clear
 * (float32 encode, FedAvg accumulate, mean). Node, node-seal 7 (SEAL 4.1 WASM), one thread. Run: npm run bench:he
 */
import { FedAvgAccumulator } from '../shared/aggregation/fedavg'
import { encodeFloat32 } from '../shared/codec'
import { HeContext } from '../shared/he/context'
import { deleteKeys, generateKeys } from '../shared/he/keys'
import { HE_PRESETS, type HePresetName } from '../shared/he/parameters'
import { dequantizeAverage, planQuantization, quantizeUpdate } from '../shared/he/quantize'
import { loadSeal } from '../shared/he/seal'
import { addInPlace, bfvHalfModulus, decryptVector, encryptVectorToBytes } from '../shared/he/vector'
import { deserializeVector, serializeVector } from '../shared/he/wire'

const CLIENTS = 10
const SIZES = [10_000, 100_000, 1_000_000]
const PRESETS: HePresetName[] = ['bfv-8192', 'ckks-8192']

const seal = await loadSeal()
const time = <T>(work: () => T): [T, number] => {
  const started = performance.now()
  const value = work()
  return [value, performance.now() - started]
}

function update(length: number, seed: number): Float32Array {
  const out = new Float32Array(length)
  for (let i = 0; i < length; i++) out[i] = Math.sin(i * 0.37 + seed) * 0.05
  return out
}

function plaintextRound(length: number) {
  const updates = Array.from({ length: CLIENTS }, (_, c) => update(length, c))
  const [encoded, encodeMs] = time(() => encodeFloat32(updates[0]!))
  const [, sumMs] = time(() => {
    const acc = new FedAvgAccumulator(length)
    for (const u of updates) acc.add(u, 100)
    return acc.mean()
  })
  return { encodeMs, sumMs, bytes: encoded.byteLength }
}

function encryptedRound(preset: HePresetName, length: number) {
  const ctx = HeContext.create(seal, HE_PRESETS[preset])
  const keys = generateKeys(ctx)
  const delta = update(length, 1)
  const weight = 100
  const plan = preset.startsWith('bfv')
    ? planQuantization({
        plainModulusHalf: bfvHalfModulus(ctx),
        clients: CLIENTS,
        maxWeight: weight,
        clamp: 1,
      })
    : null
  const [upload, encryptMs] = time(() => {
    const values = plan
      ? quantizeUpdate(delta, weight, plan).integers
      : Float64Array.from(delta, (v) => v * weight)
    return encryptVectorToBytes(ctx, keys, values)
  })
  const bytesUp = upload.reduce((n, c) => n + c.byteLength, 0)
  const wire = { contextId: ctx.id, keyId: keys.keyId, length, ciphertexts: upload }
  const [sum, sumMs] = time(() => {
    const total = deserializeVector(ctx, wire)
    for (let c = 1; c < CLIENTS; c++) {
      const next = deserializeVector(ctx, wire)
      addInPlace(ctx, total, next)
      next.delete()
    }
    const bytes = serializeVector(ctx, total).ciphertexts
    total.delete()
    return bytes
  })
  const bytesDown = sum.reduce((n, c) => n + c.byteLength, 0)
  const [average, decryptMs] = time(() => {
    const vector = deserializeVector(ctx, { ...wire, ciphertexts: sum })
    const decrypted = decryptVector(ctx, keys, vector)
    vector.delete()
    return plan
      ? dequantizeAverage(decrypted, CLIENTS * weight, plan)
      : Float32Array.from(decrypted, (v) => v / (CLIENTS * weight))
  })
  let error = 0
  for (let i = 0; i < length; i++) error = Math.max(error, Math.abs(average[i]! - delta[i]!))
  deleteKeys(keys)
  ctx.delete()
  return { encryptMs, sumMs, decryptMs, bytesUp, bytesDown, ciphertexts: upload.length, error }
}

const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`
const ms = (t: number) => `${t.toFixed(t < 10 ? 2 : 0)} ms`
console.log(`Encrypted vs plaintext aggregation, ${CLIENTS} clients (Node ${process.version}, node-seal 7)\n`)
console.log(
  '| parameters | scheme | ciphertexts | encrypt (1 client) | sum of 10 | decrypt | up per client | down per client | max error | vs plaintext bytes | vs plaintext sum |',
)
console.log('|---|---|---|---|---|---|---|---|---|---|---|')
for (const length of SIZES) {
  const plain = plaintextRound(length)
  console.log(
    `| ${length.toLocaleString('en')} | plaintext | – | ${ms(plain.encodeMs)} | ${ms(plain.sumMs)} | – | ${mb(plain.bytes)} | ${mb(plain.bytes)} | 0 | 1× | 1× |`,
  )
  for (const preset of PRESETS) {
    const he = encryptedRound(preset, length)
    console.log(
      `| ${length.toLocaleString('en')} | ${preset} | ${he.ciphertexts} | ${ms(he.encryptMs)} | ${ms(he.sumMs)} | ${ms(he.decryptMs)} | ${mb(he.bytesUp)} | ${mb(he.bytesDown)} | ${he.error.toExponential(1)} | ${(he.bytesUp / plain.bytes).toFixed(1)}× | ${(he.sumMs / plain.sumMs).toFixed(0)}× |`,
    )
  }
}

/**
 * Encrypted aggregation against the plaintext round, side by side in one run: for 10k, 100k and 1M parameters,
 * one client's encrypt (quantize + BFV, or CKKS), the coordinator's sum of CLIENTS uploads (the coordinator's own
 * `EncryptedAggregator`: check, load, add, streaming, then the sum saved) and one tab's decrypt (decrypt +
 * dequantize), with bytes per client each way; and the same round in the clear (float32 encode, FedAvg accumulate,
 * mean). Then the README's cost table and sentence as markdown (paste them over README's "Cost" paragraph), and the
 * coordinator's sum at the largest size split into its phases. Node, node-seal 7 (SEAL 4.1 WASM), one thread.
 * Run: npm run bench:he (about a minute); `-- --quick` stops at 100k parameters.
 */
import type { Ciphertext } from 'node-seal'
import { checkUploadShape, EncryptedAggregator } from '../coordinator/he/encrypted-aggregator'
import { FedAvgAccumulator } from '../shared/aggregation/fedavg'
import { encodeFloat32 } from '../shared/codec'
import { HeContext } from '../shared/he/context'
import { deleteKeys, generateKeys, type HeKeySet } from '../shared/he/keys'
import { nativeZstd, saveZstd } from '../shared/he/native-zstd'
import { HE_PRESETS, type HePresetName } from '../shared/he/parameters'
import { dequantizeAverage, planQuantization, quantizeUpdate } from '../shared/he/quantize'
import { loadSeal } from '../shared/he/seal'
import {
  addInPlace,
  bfvHalfModulus,
  decryptVector,
  EncryptedVector,
  encryptVectorToBytes,
} from '../shared/he/vector'
import { deserializeVector, inflateCiphertext, loadInflated } from '../shared/he/wire'

const CLIENTS = 10
const SIZES = process.argv.includes('--quick') ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]
const LARGEST = SIZES.at(-1)!
const PRESETS: HePresetName[] = ['bfv-8192', 'ckks-8192']
const WEIGHT = 100

const seal = await loadSeal()
const now = () => performance.now()
/** Wall-clock and this thread's CPU milliseconds of `work` (CPU time is steadier on a shared machine). */
const clocks = (work: () => void): { wall: number; cpu: number } => {
  const cpu = process.threadCpuUsage()
  const started = now()
  work()
  const used = process.threadCpuUsage(cpu)
  return { wall: now() - started, cpu: (used.user + used.system) / 1000 }
}
const time = <T>(work: () => T): [T, number] => {
  const started = now()
  const value = work()
  return [value, now() - started]
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
    for (const u of updates) acc.add(u, WEIGHT)
    return acc.mean()
  })
  return { encodeMs, sumMs, bytes: encoded.byteLength }
}

/** A context, a key and one client's upload of `length` values under `preset` (timed). */
function upload(preset: HePresetName, length: number) {
  const ctx = HeContext.create(seal, HE_PRESETS[preset])
  const keys = generateKeys(ctx)
  const delta = update(length, 1)
  const plan = preset.startsWith('bfv')
    ? planQuantization({
        plainModulusHalf: bfvHalfModulus(ctx),
        clients: CLIENTS,
        maxWeight: WEIGHT,
        clamp: 1,
      })
    : null
  const [ciphertexts, encryptMs] = time(() => {
    const values = plan
      ? quantizeUpdate(delta, WEIGHT, plan).integers
      : Float64Array.from(delta, (v) => v * WEIGHT)
    return encryptVectorToBytes(ctx, keys, values)
  })
  return { ctx, keys, delta, plan, ciphertexts, encryptMs }
}

function done(ctx: HeContext, keys: HeKeySet): void {
  deleteKeys(keys)
  ctx.delete()
}

function encryptedRound(preset: HePresetName, length: number) {
  const { ctx, keys, delta, plan, ciphertexts, encryptMs } = upload(preset, length)
  const bytesUp = ciphertexts.reduce((n, c) => n + c.byteLength, 0)
  // The coordinator's own path: every upload checked and loaded as it arrives, added, the sum saved at close.
  const [sum, sumMs] = time(() => {
    const aggregator = new EncryptedAggregator(ctx, preset, keys.keyId, length)
    for (let c = 0; c < CLIENTS; c++) aggregator.add(aggregator.load(keys.keyId, ciphertexts))
    return aggregator.finish()
  })
  const bytesDown = sum.reduce((n, c) => n + c.byteLength, 0)
  const [average, decryptMs] = time(() => {
    const vector = deserializeVector(ctx, { contextId: ctx.id, keyId: keys.keyId, length, ciphertexts: sum })
    const decrypted = decryptVector(ctx, keys, vector)
    vector.delete()
    return plan
      ? dequantizeAverage(decrypted, CLIENTS * WEIGHT, plan)
      : Float32Array.from(decrypted, (v) => v / (CLIENTS * WEIGHT))
  })
  let error = 0
  for (let i = 0; i < length; i++) error = Math.max(error, Math.abs(average[i]! - delta[i]!))
  done(ctx, keys)
  return { encryptMs, sumMs, decryptMs, bytesUp, bytesDown, ciphertexts: ciphertexts.length, error }
}

/**
 * The coordinator's sum of CLIENTS uploads, phase by phase, through the same functions the aggregator calls
 * (`checkUploadShape`, `inflateCiphertext`, `loadInflated`, `addInPlace`, `saveZstd`). SEAL's load is split by a
 * calibration: loading an unseeded, uncompressed ciphertext is its validity check and copy alone; the rest of a
 * seeded load is expanding the ciphertext's random half from its seed. Then the same sum with SEAL's own
 * WebAssembly zstd, as a browser does it (and as the coordinator did before issue 17).
 */
function sumSplit(preset: HePresetName, length: number) {
  const { ctx, keys, ciphertexts } = upload(preset, length)
  const modes = seal.ComprModeType
  const spent = { checks: 0, inflate: 0, load: 0, add: 0, save: 0, deflate: 0 }
  let sum: EncryptedVector | null = null
  for (let c = 0; c < CLIENTS; c++) {
    let started = now()
    checkUploadShape(preset, length, ciphertexts)
    spent.checks += now() - started
    const loaded: Ciphertext[] = []
    ciphertexts.forEach((bytes, i) => {
      started = now()
      const inflated = inflateCiphertext(ctx, bytes, i)
      spent.inflate += now() - started
      started = now()
      const cipher = new seal.Ciphertext()
      loadInflated(ctx, inflated, i, cipher)
      spent.load += now() - started
      loaded.push(cipher)
    })
    const vector = new EncryptedVector(ctx.id, keys.keyId, length, loaded)
    started = now()
    if (sum) {
      addInPlace(ctx, sum, vector)
      vector.delete()
    } else sum = vector
    spent.add += now() - started
  }
  const total = sum!
  const [plain, saveMs] = time(() => total.ciphertexts.map((c) => c.saveToArray(modes.none) as Uint8Array))
  spent.save = saveMs
  spent.deflate = time(() => total.ciphertexts.map((c) => saveZstd(c, modes)))[1] - saveMs
  // Calibration: an unseeded, uncompressed ciphertext loads with nothing to expand or inflate.
  const probe = new seal.Ciphertext()
  const [, probeMs] = time(() => {
    for (const bytes of plain) probe.loadFromArray(ctx.context, bytes)
  })
  probe.delete()
  const validity = Math.min(spent.load, (probeMs / plain.length) * ciphertexts.length * CLIENTS)
  total.delete()
  // The whole sum both ways: through the coordinator's aggregator, and with SEAL's own zstd as a browser does it
  // (and as the coordinator did before issue 17), with no bound on what a stream inflates to.
  const coordinator = clocks(() => {
    const aggregator = new EncryptedAggregator(ctx, preset, keys.keyId, length)
    for (let c = 0; c < CLIENTS; c++) aggregator.add(aggregator.load(keys.keyId, ciphertexts))
    aggregator.finish()
  })
  const sealZstd = clocks(() => {
    const own = ciphertexts.map((bytes) => {
      const cipher = new seal.Ciphertext()
      cipher.loadFromArray(ctx.context, bytes)
      return cipher
    })
    for (let c = 1; c < CLIENTS; c++) {
      for (const [i, bytes] of ciphertexts.entries()) {
        const cipher = new seal.Ciphertext()
        cipher.loadFromArray(ctx.context, bytes)
        ctx.evaluator.addInplace(own[i]!, cipher)
        cipher.delete()
      }
    }
    for (const cipher of own) {
      cipher.saveToArray(modes.zstd)
      cipher.delete()
    }
  })
  done(ctx, keys)
  return { spent, validity, coordinator, sealZstd, ciphertexts: ciphertexts.length }
}

const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`
const ms = (t: number) => `${t.toFixed(t < 10 ? 2 : 0)} ms`
const duration = (t: number) => (t < 1000 ? `${t.toFixed(0)} ms` : `${(t / 1000).toFixed(2)} s`)
const megabytes = (b: number) => (b / 1e6).toFixed(b < 1e6 ? 2 : 1)
const compact = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n.toLocaleString('en'))

console.log(
  `Encrypted vs plaintext aggregation, ${CLIENTS} clients (Node ${process.version}, node-seal 7, zstd ${nativeZstd ? 'native (node:zlib)' : "SEAL's own"})\n`,
)
console.log(
  '| parameters | scheme | ciphertexts | encrypt (1 client) | sum of 10 | decrypt | up per client | down per client | max error | vs plaintext bytes | vs plaintext sum |',
)
console.log('|---|---|---|---|---|---|---|---|---|---|---|')
type Row = { length: number; preset: HePresetName; he: ReturnType<typeof encryptedRound> }
const rows: Row[] = []
const plains = new Map<number, ReturnType<typeof plaintextRound>>()
for (const length of SIZES) {
  const plain = plaintextRound(length)
  plains.set(length, plain)
  console.log(
    `| ${length.toLocaleString('en')} | plaintext | – | ${ms(plain.encodeMs)} | ${ms(plain.sumMs)} | – | ${mb(plain.bytes)} | ${mb(plain.bytes)} | 0 | 1× | 1× |`,
  )
  for (const preset of PRESETS) {
    const he = encryptedRound(preset, length)
    rows.push({ length, preset, he })
    console.log(
      `| ${length.toLocaleString('en')} | ${preset} | ${he.ciphertexts} | ${ms(he.encryptMs)} | ${ms(he.sumMs)} | ${ms(he.decryptMs)} | ${mb(he.bytesUp)} | ${mb(he.bytesDown)} | ${he.error.toExponential(1)} | ${(he.bytesUp / plain.bytes).toFixed(1)}× | ${(he.sumMs / plain.sumMs).toFixed(0)}× |`,
    )
  }
}

// The README's table: BFV at every size, CKKS at the largest; then its sentence on the largest BFV round.
console.log(
  `\nREADME "Cost" table (npm run bench:he, Node ${process.version.slice(1).split('.')[0]}, one thread, ${CLIENTS} clients; one client's figures):\n`,
)
console.log(
  '| parameters | scheme | encrypt | sum of 10 (coordinator) | decrypt | up / down per client | vs plaintext bytes |',
)
console.log('|---|---|---|---|---|---|---|')
const readmeRows = rows.filter((r) => r.preset === 'bfv-8192' || r.length === LARGEST)
for (const { length, preset, he } of readmeRows) {
  const plain = plains.get(length)!
  console.log(
    `| ${length.toLocaleString('en')} | ${preset.startsWith('bfv') ? 'BFV' : 'CKKS'} | ${duration(he.encryptMs)} | ${duration(he.sumMs)} | ${duration(he.decryptMs)} | ${megabytes(he.bytesUp)} / ${megabytes(he.bytesDown)} MB | ${(he.bytesUp / plain.bytes).toFixed(1)}× |`,
  )
}
const largestBfv = rows.find((r) => r.preset === 'bfv-8192' && r.length === LARGEST)!.he
const largestPlain = plains.get(LARGEST)!
console.log(
  `\nThe plaintext round for ${compact(LARGEST)} parameters sums in ${largestPlain.sumMs.toFixed(0)} ms with ${megabytes(largestPlain.bytes)} MB each way: encryption costs about ${(largestBfv.bytesUp / largestPlain.bytes).toFixed(0)}× the bandwidth and ${(largestBfv.sumMs / largestPlain.sumMs).toFixed(0)}× the coordinator's time with BFV.`,
)

const split = sumSplit('bfv-8192', LARGEST)
const phases: [string, number][] = [
  ['upload checks (count, byte size)', split.spent.checks],
  [`zstd inflate (${nativeZstd ? 'native' : "SEAL's"})`, split.spent.inflate],
  ['SEAL load: seed expansion (the random half of each seeded upload)', split.spent.load - split.validity],
  ['SEAL load: validity check and copy', split.validity],
  ['SEAL addition', split.spent.add],
  ['SEAL save of the sum (uncompressed)', split.spent.save],
  [`zstd deflate of the sum (${nativeZstd ? 'native' : "SEAL's"})`, split.spent.deflate],
]
const splitTotal = phases.reduce((n, [, t]) => n + t, 0)
console.log(
  `\nCoordinator sum split: bfv-8192, ${LARGEST.toLocaleString('en')} parameters, ${CLIENTS} clients, ${split.ciphertexts} ciphertexts each\n`,
)
console.log('| phase | time | share |')
console.log('|---|---|---|')
for (const [phase, t] of phases)
  console.log(`| ${phase} | ${ms(t)} | ${((100 * t) / splitTotal).toFixed(0)}% |`)
console.log(`| total | ${ms(splitTotal)} | 100% |`)
const both = (c: { wall: number; cpu: number }) => `${ms(c.wall)} wall, ${ms(c.cpu)} thread CPU`
console.log(
  `\nThe whole sum again: ${both(split.coordinator)} through the coordinator's aggregator (zstd ${nativeZstd ? 'native, bounded' : "SEAL's"}); ${both(split.sealZstd)} with SEAL's own WebAssembly zstd (a browser; the coordinator before issue 17).`,
)

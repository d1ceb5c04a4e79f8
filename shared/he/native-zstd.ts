import { HeError, type HeErrorCode } from './errors'
import { isWholeSealObject, reframe, SEAL_HEADER_BYTES, SealCompression, sealCompression } from './seal-frame'

/**
 * zstd for SEAL's serialized objects, done by the runtime where it can: Node (>= 22.15) has zstd in `node:zlib`,
 * reached through `process.getBuiltinModule` so no bundler sees it; a browser has none and SEAL's own WebAssembly zstd
 * does the work. The point is the bound, not speed: SEAL inflates whatever a peer sends before it checks it, while
 * here inflation stops at a size the object can legitimately take (`inflateForLoad`). Speed is about even: over a
 * whole 10-client sum the native path took the same thread CPU time as SEAL's, within the noise (issue 17). The
 * bytes are SEAL's own format either way: SEAL loads what this writes, and this reads what SEAL writes.
 */
type Zlib = typeof import('node:zlib')

function loadZlib(): Zlib | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  try {
    const zlib = proc?.getBuiltinModule?.('node:zlib') as Zlib | undefined
    return zlib && typeof zlib.zstdDecompressSync === 'function' ? zlib : null
  } catch {
    return null
  }
}

const zlib: Zlib | null = loadZlib()

/** Whether this runtime (de)compresses natively; false: SEAL's WebAssembly zstd does. */
export const nativeZstd = zlib !== null

/** Something SEAL can save (a ciphertext, a seeded "serializable" ciphertext, a key). */
interface SealSavable {
  saveToArray(mode: never): unknown
}

/**
 * Saves `object` compressed with zstd, in SEAL's format: natively where the runtime has zstd (SEAL saves it
 * uncompressed), else by SEAL. `modes` is the SEAL module's `ComprModeType`.
 */
export function saveZstd(
  object: SealSavable,
  modes: { readonly none: unknown; readonly zstd: unknown },
): Uint8Array {
  if (!zlib) return object.saveToArray(modes.zstd as never) as Uint8Array
  const plain = object.saveToArray(modes.none as never) as Uint8Array
  const raw = plain.subarray(SEAL_HEADER_BYTES)
  // Level 1: ciphertext coefficients look random, so zstd gains only by entropy-coding their unused high bits, and
  // every level gets the same 17% (432,294 against 432,290 bytes for a BFV-8192 ciphertext at level 3, SEAL's).
  const body = zlib.zstdCompressSync(raw, {
    pledgedSrcSize: raw.byteLength,
    params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 },
  })
  return reframe(plain, body, SealCompression.zstd)
}

/**
 * The bytes to hand SEAL's loader: one whole zstd-compressed SEAL object inflated natively (header rewritten to
 * "uncompressed"); bytes that are no SEAL object, or an uncompressed one, unchanged for SEAL to judge (it inflates
 * nothing there). SEAL's loader still runs its full validity check on the result. Refused here, HeError(`code`)
 * prefixed with `what`: a zstd stream that is broken or inflates past `maxBytes`, any other compression, and a
 * compressed object whose header does not frame exactly these bytes (SEAL would read it anyway). SEAL's own loader has
 * no such bound: a 12 kB stream of zeros made it inflate 400 MB (2.4 s, and WASM memory never shrinks) before it
 * refused the result, so in Node a hostile peer no longer gets that far.
 */
export function inflateForLoad(
  bytes: Uint8Array,
  maxBytes: number,
  what: string,
  code: HeErrorCode = 'bad-ciphertext',
): Uint8Array {
  const compression = sealCompression(bytes)
  if (!zlib || compression === null || compression === SealCompression.none) return bytes
  if (compression !== SealCompression.zstd) {
    throw new HeError(
      code,
      `${what} failed: compression mode ${compression} is not taken (zstd or none only)`,
    )
  }
  if (!isWholeSealObject(bytes)) {
    throw new HeError(
      code,
      `${what} failed: its SEAL header does not frame exactly its ${bytes.byteLength} bytes`,
    )
  }
  let body: Uint8Array
  try {
    body = zlib.zstdDecompressSync(bytes.subarray(SEAL_HEADER_BYTES), { maxOutputLength: maxBytes })
  } catch (error) {
    const tooLarge = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
    throw new HeError(
      code,
      tooLarge
        ? `${what} failed: its zstd stream inflates to over ${maxBytes} bytes, more than such an object takes here`
        : `${what} failed: its zstd stream is broken (${error instanceof Error ? error.message : String(error)})`,
    )
  }
  return reframe(bytes, body, SealCompression.none)
}

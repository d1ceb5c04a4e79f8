/**
 * SEAL 4.x's serialization header (SEAL's `serialization.h`), as pure data: 16 bytes in front of every saved object,
 * magic 0xA15E, header size 16, version major and minor, compression mode, two reserved bytes, and the total size
 * (header included) as a little-endian u64. Lets a runtime with native zstd (de)compress the body itself and hand
 * SEAL the same object uncompressed, in SEAL's own format either way.
 */
export const SEAL_HEADER_BYTES = 16

/** SEAL's `compr_mode_type` values. */
export const SealCompression = { none: 0, zlib: 1, zstd: 2 } as const

const MAGIC_LOW = 0x5e
const MAGIC_HIGH = 0xa1
const VERSION_MAJOR = 4

/** The compression mode `bytes`' SEAL header names; null where they do not begin with SEAL's magic and header size. */
export function sealCompression(bytes: Uint8Array): number | null {
  if (bytes.byteLength < SEAL_HEADER_BYTES) return null
  if (bytes[0] !== MAGIC_LOW || bytes[1] !== MAGIC_HIGH || bytes[2] !== SEAL_HEADER_BYTES) return null
  return bytes[5]!
}

/**
 * Whether `bytes` are exactly one SEAL 4 object: a header in SEAL's form (version 4, reserved bytes zero) whose
 * declared size is the array's length, so nothing is left over and nothing is missing.
 */
export function isWholeSealObject(bytes: Uint8Array): boolean {
  if (sealCompression(bytes) === null || bytes.byteLength <= SEAL_HEADER_BYTES) return false
  const view = new DataView(bytes.buffer, bytes.byteOffset, SEAL_HEADER_BYTES)
  return (
    bytes[3] === VERSION_MAJOR &&
    view.getUint16(6, true) === 0 &&
    view.getBigUint64(8, true) === BigInt(bytes.byteLength)
  )
}

/**
 * The object of `header` (a SEAL header, e.g. of the bytes `body` came from) with `body` as its payload under
 * `compression`: one fresh array, header rewritten with the mode and the new total size.
 */
export function reframe(header: Uint8Array, body: Uint8Array, compression: number): Uint8Array {
  const out = new Uint8Array(SEAL_HEADER_BYTES + body.byteLength)
  out.set(header.subarray(0, SEAL_HEADER_BYTES))
  out[5] = compression
  new DataView(out.buffer).setBigUint64(8, BigInt(out.byteLength), true)
  out.set(body, SEAL_HEADER_BYTES)
  return out
}

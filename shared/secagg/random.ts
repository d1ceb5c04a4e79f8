/**
 * Randomness for secure aggregation, from the platform's CSPRNG only (`crypto.getRandomValues`, Web Crypto in Node
 * and browsers alike). Keys, self-mask seeds and rounding draws all come from here; nothing uses Math.random.
 */

/** Web Crypto refuses more than 65,536 bytes a call (QuotaExceededError), so larger draws are filled in chunks. */
const MAX_BYTES_PER_CALL = 65_536

/** `length` uniformly random bytes. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let offset = 0; offset < length; offset += MAX_BYTES_PER_CALL) {
    crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + MAX_BYTES_PER_CALL)))
  }
  return out
}

/** `length` uniformly random 32-bit words. */
export function randomWords(length: number): Uint32Array {
  const out = new Uint32Array(length)
  const wordsPerCall = MAX_BYTES_PER_CALL / 4
  for (let offset = 0; offset < length; offset += wordsPerCall) {
    crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + wordsPerCall)))
  }
  return out
}

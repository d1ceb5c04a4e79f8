/**
 * Why an HE operation was refused. Every check that can be made before calling into SEAL is made first, so bad
 * input gets one of these with a reason rather than an opaque WebAssembly exception.
 */
export type HeErrorCode =
  | 'invalid-parameters'
  | 'too-long'
  | 'context-mismatch'
  | 'key-mismatch'
  | 'missing-key'
  | 'bad-ciphertext'
  | 'out-of-range'
  | 'deleted'
  | 'seal'

export class HeError extends Error {
  constructor(
    readonly code: HeErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'HeError'
  }
}

/**
 * Vitest setup for every project: tfjs in production mode, so its "install tfjs-node" banner (printed once per
 * worker on first use of the CPU backend) stays out of test output. Kernels and results are unchanged.
 */
import '../../cli/quiet-tfjs'

import * as tf from '@tensorflow/tfjs'

/**
 * Imported for its effect, in Node only: tfjs' production mode, which keeps its console warnings quiet (chiefly the
 * "install tfjs-node to speed things up" banner its CPU backend prints on first use: tfjs-node does not install
 * here, and the run already says which backend trains). Kernels and results are unchanged.
 */
tf.enableProdMode()

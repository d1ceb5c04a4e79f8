/** Tests and benchmarks launch Chromium the way the command line does. */
export { launchChromium } from '../../cli/chromium'

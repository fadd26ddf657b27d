// `npm test` runs this first (pretest): MNIST found by the CLI's data rule, downloaded once into the same place
// when absent (network permitting), and one line on what the browser tests will do. A problem stops the run here
// in one line, instead of every test file failing with its own trace.
import { locateData } from '../src/data/locate.js';
import { NO_BROWSER, BROWSER_REQUIRED, SKIP_BROWSER } from './browser.js';

function stop(message: string): never {
  process.stderr.write(`npm test: ${message}\n`);
  process.exit(1);
}

if (NO_BROWSER && BROWSER_REQUIRED) stop(`REQUIRE_BROWSER=1 but ${NO_BROWSER}: set CHROMIUM_PATH or install chromium`);
if (SKIP_BROWSER) process.stdout.write(`npm test: ${SKIP_BROWSER}\n`);
try {
  const dir = await locateData({ log: (message) => void process.stdout.write(`npm test: ${message}\n`) });
  process.stdout.write(`npm test: MNIST from ${dir}\n`);
} catch (error) {
  stop(`${(error as Error).message}; for the tests, set MNIST_DIR to a folder with the four files`);
}

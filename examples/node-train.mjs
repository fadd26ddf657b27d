// Train a small network on 2,000 MNIST images for one epoch and recognise one test digit.
// Run: node examples/node-train.mjs [MNIST folder]   (default: the CLI's rule, MNIST_DIR, data/mnist, ../shared/data/mnist)
import { Network, locateAndLoad, train } from 'mnist-wasm';

const { split } = await locateAndLoad({ data: process.argv[2], trainSize: 2000 });
const { train: trainSet, test } = split;
const network = await Network.create({ layers: [784, 30, 10] }, { init: { seed: 1 } });
const result = await train(network, { train: trainSet, test }, { epochs: 1, batchSize: 10, eta: 0.5, seed: 1 });
console.log(`engine ${network.engine} (${network.simd} SIMD), test accuracy ${result.metrics[0].testAccuracy}`);

const pixels = Float64Array.from(test.images.subarray(0, 784), (v) => v / 255);
const outputs = network.predict(pixels);
console.log(`first test image: label ${test.labels[0]}, predicted ${outputs.indexOf(Math.max(...outputs))}`);

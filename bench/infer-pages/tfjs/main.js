import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { DIGIT, done } from '../digit.js';

setWasmPaths(new URL('tfjs-wasm/', location.href).href);
await tf.setBackend('wasm');
const model = await tf.loadLayersModel('model/tfjs/model.json');
const output = model.predict(tf.tensor2d(DIGIT, [1, 784]));
done((await output.argMax(1).data())[0]);

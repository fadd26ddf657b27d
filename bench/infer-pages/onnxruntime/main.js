import * as ort from 'onnxruntime-web/wasm';
import { DIGIT, done } from '../digit.js';

ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create('model/model.onnx', { executionProviders: ['wasm'] });
const { probabilities } = await session.run({ input: new ort.Tensor('float32', DIGIT, [1, 784]) });
const p = [...probabilities.data];
done(p.indexOf(Math.max(...p)));

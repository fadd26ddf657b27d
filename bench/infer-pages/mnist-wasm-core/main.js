// The alternative to mnist-wasm/infer: the browser entry's Network (the wasm core's forward kernel).
import { importTfjs, Network } from 'mnist-wasm';
import { DIGIT, done } from '../digit.js';

const base = new URL('model/tfjs/', location.href);
const text = await (await fetch(new URL('model.json', base))).text();
const model = await importTfjs(text, async (path) => new Uint8Array(await (await fetch(new URL(path, base))).arrayBuffer()));
const network = await Network.create(model.spec, { parameters: model.parameters });
const p = [...network.predict(Float64Array.from(DIGIT))];
done(p.indexOf(Math.max(...p)));

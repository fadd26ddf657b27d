import { fetchClassifier } from 'mnist-wasm/infer';
import { DIGIT, done } from '../digit.js';

const classifier = await fetchClassifier('model/tfjs/model.json');
done(classifier.classify(DIGIT));

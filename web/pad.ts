// The drawing pad (mouse, pen or touch) and its reading: the digit, its probability, "unsure?" and ten bars.
import { digitVerdict, rgbaToGray, segmentDigits } from 'mnist-wasm';
import type { InkMeasure } from 'mnist-wasm';
import { normalise } from './prediction';
import { digitImage, drawScaled } from './pictures';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const pad = $<HTMLCanvasElement>('pad');
const ink = pad.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
const PEN_WIDTH = 20;

// Ten rows made once, so a reading changes widths and numbers but never the layout.
const bars = Array.from({ length: 10 }, (_, digit) => {
  const label = document.createElement('span');
  label.className = 'digit';
  label.textContent = String(digit);
  const track = document.createElement('div');
  track.className = 'track';
  const bar = document.createElement('div');
  bar.className = 'bar';
  track.append(bar);
  const value = document.createElement('span');
  value.className = 'value';
  $('bars').append(label, track, value);
  return { label, bar, value };
});

export function clearPad(hint = ''): void {
  ink.fillStyle = 'white';
  ink.fillRect(0, 0, pad.width, pad.height);
  $('prediction').textContent = '?';
  delete $('prediction').dataset.digit;
  $('confidence').textContent = '';
  $('unsure').hidden = true;
  $('unsure').title = '';
  $('truth').textContent = hint;
  $('truth').classList.remove('wrong');
  for (const row of bars) {
    row.bar.style.width = '0';
    row.value.textContent = '';
    row.label.classList.remove('best');
  }
}

/**
 * Shows the network's outputs for the digit on the pad with `predict`'s verdict (`ink` for a drawn digit, whose
 * size and contrast count too; `label` for a test digit, shown as drawn).
 */
export function showReading(outputs: number[], { label, ink }: { label?: number; ink?: InkMeasure } = {}): void {
  const verdict = digitVerdict(outputs, ink);
  const best = verdict.digit;
  const probabilities = normalise(outputs);
  $('prediction').textContent = String(best);
  $('prediction').dataset.digit = String(best);
  $('confidence').textContent = `${(100 * verdict.probability).toFixed(1)}%`;
  $('unsure').hidden = !verdict.unsure;
  $('unsure').title = verdict.reason ?? '';
  $('truth').textContent = label === undefined ? '' : `(true label ${label})`;
  $('truth').classList.toggle('wrong', label !== undefined && label !== best);
  probabilities.forEach((p, digit) => {
    bars[digit].bar.style.width = `${100 * p}%`;
    bars[digit].value.textContent = `${(100 * p).toFixed(1)}%`;
    bars[digit].label.classList.toggle('best', digit === best);
  });
}

/** Puts a 28x28 test digit on the pad. */
export function showDigit(pixels: Uint8Array): void {
  drawScaled(pad, digitImage(pixels));
}

/** Calls `read` with the pad's ink as one 784-input digit and its ink measure after every stroke (the CLI's preprocessing). */
export function onStroke(read: (inputs: Float64Array, ink: InkMeasure) => void): void {
  let last: [number, number] | undefined;
  const at = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
  };
  const stroke = (to: [number, number]): void => {
    ink.strokeStyle = 'black';
    ink.lineWidth = PEN_WIDTH;
    ink.lineCap = 'round';
    ink.beginPath();
    ink.moveTo(...(last ?? to));
    ink.lineTo(...to);
    ink.stroke();
    last = to;
  };
  pad.onpointerdown = (e) => {
    pad.setPointerCapture(e.pointerId);
    last = undefined;
    stroke(at(e));
  };
  pad.onpointermove = (e) => {
    if (last) stroke(at(e));
  };
  pad.onpointerup = () => {
    last = undefined;
    const { data, width, height } = ink.getImageData(0, 0, pad.width, pad.height);
    const { inputs, ink: measures } = segmentDigits(rgbaToGray(data, width, height), { single: true });
    if (inputs.length) read(inputs[0], measures[0]);
  };
}

// Does a network fit a task? One rule (and one wording) for the CLI commands, predict and the browser demo.

/** What a task needs: its images' pixel count and its number of classes; `data` names the data, if any. */
export interface ModelTask {
  inputs: number;
  classes: number;
  data?: string;
}

/** Why a network of `layers` cannot do `task` (input size differs, or too few output classes), or undefined. */
export function modelFitProblem(layers: readonly number[], task: ModelTask): string | undefined {
  const images = task.data === undefined ? 'digit images (28x28)' : `the images in ${task.data}`;
  const labels = task.data === undefined ? 'the digits' : `the labels in ${task.data}`;
  if (layers[0] !== task.inputs) return `the network takes ${layers[0]} inputs but ${images} have ${task.inputs} pixels`;
  const classes = layers[layers.length - 1];
  if (classes < task.classes) return `the network has ${classes} output classes but ${labels} go up to ${task.classes - 1} (${task.classes} classes)`;
  return undefined;
}

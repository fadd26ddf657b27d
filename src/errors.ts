/** Every error the library throws on purpose: a code, a one-line message, and the file when there is one. */
export class MnistWasmError extends Error {
  readonly code: string;
  readonly file: string | undefined;
  constructor(code: string, message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'MnistWasmError';
    this.code = code;
    this.file = file;
  }
}

/** A data file (IDX, CSV, image) that is missing, truncated or malformed. */
export class DataFormatError extends MnistWasmError {
  constructor(file: string, message: string) {
    super('DATA_FORMAT', message, file);
    this.name = 'DataFormatError';
  }
}

/** A model file that cannot be trusted: wrong magic, version, layout, or non-finite parameters. */
export class ModelFormatError extends MnistWasmError {
  constructor(file: string, message: string) {
    super('MODEL_FORMAT', message, file);
    this.name = 'ModelFormatError';
  }
}

/** Settings that cannot work (layer sizes, batch sizes, unknown names), refused before any work starts. */
export class ConfigError extends MnistWasmError {
  constructor(message: string) {
    super('CONFIG', message);
    this.name = 'ConfigError';
  }
}

/** Training produced a non-finite cost or parameter. */
export class DivergenceError extends MnistWasmError {
  constructor(message: string) {
    super('DIVERGED', message);
    this.name = 'DivergenceError';
  }
}

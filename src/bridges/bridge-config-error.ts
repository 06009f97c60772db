/** A bridge setting that cannot work, named the way the operator sets it (docs/bridges.md). */
export class BridgeConfigError extends Error {
  override name = 'BridgeConfigError';
  readonly setting: string;
  constructor(setting: string, problem: string, options?: { cause?: unknown }) {
    super(`${setting} (or its AUTOEND__/HERALD_ variable): ${problem}`, options);
    this.setting = setting;
  }
}

/**
 * Holds a reader while paused: the embedded mode's capture switch for a replayed file (a live
 * capture closes its libpcap session instead, see SwitchableCapture).
 */
export class PauseGate {
  private held: { promise: Promise<void>; release: () => void } | null = null;

  get paused(): boolean {
    return this.held !== null;
  }

  pause(): void {
    if (this.held) return;
    let release = () => {};
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.held = { promise, release };
  }

  resume(): void {
    const held = this.held;
    this.held = null;
    held?.release();
  }

  /** Undefined when not paused; else resolves at resume() or when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<void> | undefined {
    const held = this.held;
    if (held === null || signal?.aborted) return undefined;
    if (!signal) return held.promise;
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done);
      void held.promise.then(done);
    });
  }
}

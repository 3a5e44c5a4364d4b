// A FIFO async mutex. CometBFT locks the mempool while a block commits and the mempool rechecks, so
// that checkTx never sees a half-reset check-state; this is that lock.
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(critical: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await critical();
    } finally {
      release();
    }
  }
}

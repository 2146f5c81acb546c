import { Response } from 'express';

/** Items per write: each piece is tens of kilobytes however long the list. */
const ITEMS_PER_WRITE = 100;

/**
 * Answers `body` as JSON (the same value as `res.json(body)`, the list first) with its `key` list
 * written a few items at a time, instead of as one string and one buffer of the whole answer: the
 * fleet's answer is megabytes at 10,000 services, made again on every call. Waits while the
 * connection is behind; stops writing when the client has gone.
 */
export async function sendJsonInPieces<T extends object>(
  res: Response,
  body: T,
  key: keyof T & string,
): Promise<void> {
  const { [key]: list, ...rest } = body;
  const items = list as unknown as unknown[];
  const tail = JSON.stringify(rest);
  res.status(200).type('json');
  // One listener of each for the whole answer, not one per wait (the waits are many).
  let closed = false;
  let drained: (() => void) | undefined;
  const onDrain = () => {
    drained?.();
    drained = undefined;
  };
  const onClose = () => {
    closed = true;
    onDrain();
  };
  res.on('drain', onDrain);
  res.on('close', onClose);
  const write = async (text: string) => {
    if (!closed && !res.write(text)) {
      await new Promise<void>(resolve => {
        drained = resolve;
      });
    }
  };
  try {
    await write(`{${JSON.stringify(key)}:[`);
    for (let i = 0; i < items.length && !closed; i += ITEMS_PER_WRITE) {
      const piece = JSON.stringify(items.slice(i, i + ITEMS_PER_WRITE));
      // The array's brackets dropped: the pieces join into one list.
      await write(`${i > 0 ? ',' : ''}${piece.slice(1, -1)}`);
    }
    if (!closed) res.end(tail === '{}' ? ']}' : `],${tail.slice(1)}`);
  } finally {
    res.off('drain', onDrain);
    res.off('close', onClose);
  }
}

import { Response } from 'express';

/** Items per write: each piece is tens of kilobytes however long the list. */
const ITEMS_PER_WRITE = 100;

/**
 * Answers `body` as JSON (the same value as `res.json(body)`, the list first) with its `key` list
 * written a few items at a time, instead of as one string and one buffer of the whole answer: the
 * fleet's answer is megabytes at 10,000 services, made again on every call. Waits while the
 * connection is behind; stops writing when the client has gone. `itemJson` writes one item
 * (`JSON.stringify` by default), e.g. from JSON kept from an earlier answer.
 */
export async function sendJsonInPieces<T extends object>(
  res: Response,
  body: T,
  key: keyof T & string,
  itemJson: (item: any) => string = item => JSON.stringify(item),
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
      const piece = items
        .slice(i, i + ITEMS_PER_WRITE)
        .map(item => itemJson(item) ?? 'null')
        .join(',');
      await write(`${i > 0 ? ',' : ''}${piece}`);
    }
    if (!closed) res.end(tail === '{}' ? ']}' : `],${tail.slice(1)}`);
  } finally {
    res.off('drain', onDrain);
    res.off('close', onClose);
  }
}

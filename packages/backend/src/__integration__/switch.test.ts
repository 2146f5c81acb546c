import { DATABASES, startWorld, World } from '../__testUtils__/harness';
import { switchCases } from '../__testUtils__/switchCases';

jest.setTimeout(120_000);

describe.each(DATABASES)('color switches on %s', database => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ database });
  });

  afterAll(async () => {
    await world?.stop();
  });

  switchCases(() => world);
});

import { DATABASES, startWorld, World } from '../__testUtils__/harness';
import { deployCases } from '../__testUtils__/deployCases';

jest.setTimeout(180_000);

describe.each(DATABASES)('deploys to the idle color on %s', database => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ database });
  });

  afterAll(async () => {
    await world?.stop();
  });

  deployCases(() => world);
});

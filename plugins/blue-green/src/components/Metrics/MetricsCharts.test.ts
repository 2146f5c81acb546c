import { rowsFor } from './MetricsCharts';
import * as fixtures from '../../testing/fixtures';

describe('rowsFor', () => {
  it('joins the colors per timestamp and scales ratios to percent', () => {
    const rows = rowsFor(
      {
        ...fixtures.metrics,
        series: [
          {
            metric: 'errorRatio',
            color: 'blue',
            points: [
              [20, 0.01],
              [10, 0],
            ],
          },
          {
            metric: 'errorRatio',
            color: 'green',
            points: [[20, null]],
          },
          { metric: 'rps', color: 'green', points: [[20, 5]] },
        ],
      },
      'errorRatio',
    );
    expect(rows).toEqual([
      { t: 10, blue: 0 },
      { t: 20, blue: 1, green: null },
    ]);
  });
});

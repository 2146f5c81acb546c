import {
  Color,
  COLORS,
  MetricName,
  MetricsResponse,
} from '@bluegreen-backstage/plugin-blue-green-common';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { useTheme } from '@material-ui/core/styles';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { COLOR_HEX } from '../shared/ColorName';

export const METRICS: Array<{
  metric: MetricName;
  title: string;
  format: (v: number) => string;
  scale: (v: number) => number;
}> = [
  {
    metric: 'rps',
    title: 'Requests per second',
    format: v => v.toFixed(1),
    scale: v => v,
  },
  {
    metric: 'errorRatio',
    title: '5xx %',
    format: v => `${v.toFixed(2)} %`,
    scale: v => v * 100,
  },
  {
    metric: 'p99',
    title: 'P99 latency',
    format: v => `${Math.round(v)} ms`,
    scale: v => v * 1000,
  },
];

type Row = { t: number } & Partial<Record<Color, number | null>>;

/** One row per timestamp with a value per color, as recharts wants it. */
export function rowsFor(data: MetricsResponse, metric: MetricName): Row[] {
  const scale = METRICS.find(m => m.metric === metric)!.scale;
  const rows = new Map<number, Row>();
  for (const series of data.series.filter(s => s.metric === metric)) {
    for (const [t, v] of series.points) {
      const row = rows.get(t) ?? { t };
      row[series.color] = v === null ? null : scale(v);
      rows.set(t, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.t - b.t);
}

const time = (t: number) =>
  new Date(t * 1000).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
  });

/** RPS, 5xx % and P99 by color (Prometheus through the backend), three small line charts. */
const MetricsCharts = ({ data }: { data: MetricsResponse }) => {
  const theme = useTheme();
  return (
    <Grid container spacing={2}>
      {METRICS.map(({ metric, title, format }) => {
        const rows = rowsFor(data, metric);
        return (
          <Grid item xs={12} md={4} key={metric}>
            <Typography variant="subtitle2" component="h3">
              {title}
            </Typography>
            <div
              style={{ width: '100%', height: 180 }}
              role="img"
              aria-label={`${title} by color`}
              data-testid={`chart-${metric}`}
            >
              {rows.length === 0 ? (
                <Typography variant="body2" color="textSecondary">
                  No data.
                </Typography>
              ) : (
                <ResponsiveContainer>
                  <LineChart
                    data={rows}
                    margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
                  >
                    <CartesianGrid
                      strokeDasharray="3 3"
                      stroke={theme.palette.divider}
                    />
                    <XAxis
                      dataKey="t"
                      tickFormatter={time}
                      minTickGap={40}
                      stroke={theme.palette.text.secondary}
                      fontSize={11}
                    />
                    <YAxis
                      width={48}
                      tickFormatter={v => format(v)}
                      stroke={theme.palette.text.secondary}
                      fontSize={11}
                    />
                    <Tooltip
                      labelFormatter={t => time(Number(t))}
                      formatter={(v: number) => format(v)}
                    />
                    <Legend />
                    {COLORS.map(c => (
                      <Line
                        key={c}
                        type="monotone"
                        dataKey={c}
                        name={c}
                        stroke={COLOR_HEX[c]}
                        dot={false}
                        strokeWidth={2}
                        isAnimationActive={false}
                        connectNulls={false}
                      />
                    ))}
                  </LineChart>
                </ResponsiveContainer>
              )}
            </div>
          </Grid>
        );
      })}
    </Grid>
  );
};

export default MetricsCharts;

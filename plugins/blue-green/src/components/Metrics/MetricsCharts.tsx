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
  ReferenceLine,
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

/** A switch drawn on the charts: when, and a short label ("promote → green"). */
export type ChartMarker = { t: number; label: string };

/**
 * RPS, 5xx % and P99 by color (Prometheus through the backend), three small line charts, with a
 * vertical line at each switch and the rollback threshold as a dashed line.
 */
const MetricsCharts = ({
  data,
  markers = [],
}: {
  data: MetricsResponse;
  markers?: ChartMarker[];
}) => {
  const theme = useTheme();
  const from = Date.parse(data.start) / 1000;
  // The range ends on a step boundary: a switch of the last seconds still shows, at the right edge.
  const shown = markers.filter(m => m.t >= from);
  const to = Math.max(Date.parse(data.end) / 1000, ...shown.map(m => m.t));
  return (
    <Grid container spacing={2}>
      {METRICS.map(({ metric, title, format, scale }) => {
        const rows = rowsFor(data, metric);
        const threshold = data.thresholds?.[metric];
        return (
          <Grid item xs={12} md={4} key={metric}>
            <Typography variant="subtitle2" component="h3">
              {title}
            </Typography>
            <div
              style={{ width: '100%', height: 180 }}
              role="img"
              aria-label={`${title} by color${
                threshold !== undefined
                  ? `, rollback threshold ${format(scale(threshold))}`
                  : ''
              }${shown.length ? `, ${shown.length} switches marked` : ''}`}
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
                      type="number"
                      domain={[from, to]}
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
                    {threshold !== undefined && (
                      <ReferenceLine
                        y={scale(threshold)}
                        stroke={theme.palette.error.main}
                        strokeDasharray="6 3"
                        ifOverflow="extendDomain"
                        label={{
                          value: `rollback above ${format(scale(threshold))}`,
                          position: 'insideTopRight',
                          fontSize: 11,
                          fill: theme.palette.error.main,
                        }}
                      />
                    )}
                    {shown.map(m => (
                      <ReferenceLine
                        key={`${m.t}-${m.label}`}
                        x={m.t}
                        stroke={theme.palette.text.secondary}
                        strokeDasharray="2 2"
                        label={{
                          value: m.label,
                          position: 'insideTopLeft',
                          fontSize: 10,
                          fill: theme.palette.text.secondary,
                        }}
                      />
                    ))}
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

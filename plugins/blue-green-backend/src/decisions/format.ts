/** A ratio as a percentage: three decimals under 1 %, else two. */
export const pct = (ratio: number) =>
  `${(ratio * 100).toFixed(ratio < 0.01 ? 3 : 2)} %`;

/** A ratio as a percentage with two decimals. */
export const pct2 = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;

/** Seconds as whole milliseconds. */
export const ms = (seconds: number) => `${Math.round(seconds * 1000)} ms`;

/** A rate: whole above 100, else two decimals. */
export const num = (value: number) =>
  value >= 100 ? value.toFixed(0) : value.toFixed(2);

/** A stored time (ISO 8601) as people read it in a message: `2026-12-05 02:55:10 UTC`. */
export const at = (iso: string) => {
  const time = new Date(iso);
  return Number.isNaN(time.getTime())
    ? iso
    : `${time.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
};

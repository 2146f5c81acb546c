/**
 * Kubernetes resource quantities (`250m`, `0.5`, `256Mi`, `1G`, `1e3`) as numbers: cores for CPU,
 * bytes for memory. The grammar is apimachinery's `resource.Quantity` (a signed decimal with an
 * optional binary suffix Ki..Ei, decimal suffix m, k, M..E, or exponent e/E).
 */
const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY =
  /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?)$/;

/**
 * The quantity's value, or undefined when it is not a quantity.
 *
 * @public
 */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = QUANTITY.exec(value.trim());
  if (!match) return undefined;
  const [, number, exponent, suffix] = match;
  if (exponent) return Number(`${number}${exponent}`);
  return Number(number) * SUFFIX[suffix ?? ''];
}

/**
 * What one pod (or pod template) requests: the sum over its containers. A container that sets
 * only limits requests its limits (Kubernetes defaults requests to limits). Init containers are
 * not counted: they have ended by the time the pod runs.
 *
 * @public
 */
export function podRequests(template: any): {
  cpuCores: number;
  memoryBytes: number;
} {
  let cpuCores = 0;
  let memoryBytes = 0;
  for (const container of template?.spec?.containers ?? []) {
    const { requests = {}, limits = {} } = container?.resources ?? {};
    cpuCores += parseQuantity(requests.cpu ?? limits.cpu) ?? 0;
    memoryBytes += parseQuantity(requests.memory ?? limits.memory) ?? 0;
  }
  return { cpuCores, memoryBytes };
}

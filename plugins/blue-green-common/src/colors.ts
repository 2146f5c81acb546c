/**
 * The two environments of a blue/green service.
 *
 * @public
 */
export type Color = 'blue' | 'green';

/** @public */
export const COLORS: readonly Color[] = ['blue', 'green'];

/**
 * The other color.
 *
 * @public
 */
export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue';
}

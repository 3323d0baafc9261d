import type { Status } from '../model/status';

/** Tile colours; out-of-stock tiles are also drawn hollow, so the grade never rests on hue alone. */
export const STATUS_COLOUR: Record<Status, string> = {
  out: '#e5484d',
  low: '#f5a524',
  healthy: '#2f9e6a',
  over: '#4c7bf3',
};
export const WALL_BACKGROUND = '#11151c';
export const FLASH_MS = 900;

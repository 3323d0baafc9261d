import { formatTable, num } from '../lib/table.ts';
import type { Figure } from './types.ts';

export type Row = { scenario: string; figure: Figure };

const cell = (n: number, digits: number) => num(n, digits);

/** The figures table: one line per figure, the median of the runs and its min and max. */
export const renderFigures = (rows: readonly Row[]): string =>
  formatTable(
    ['scenario', 'figure', 'median', 'min', 'max', 'unit'],
    rows.map(({ scenario, figure: f }) => {
      const d = f.digits ?? 0;
      const same = f.value.min === f.value.max;
      return [
        scenario,
        f.figure,
        cell(f.value.median, d),
        same ? '' : cell(f.value.min, d),
        same ? '' : cell(f.value.max, d),
        f.unit,
      ];
    }),
  );

/** The same table as Markdown, for the README. */
export const renderMarkdown = (rows: readonly Row[]): string => {
  const lines = [
    '| scenario | figure | median | min | max | unit |',
    '| --- | --- | ---: | ---: | ---: | --- |',
  ];
  for (const { scenario, figure: f } of rows) {
    const d = f.digits ?? 0;
    const same = f.value.min === f.value.max;
    lines.push(
      `| ${scenario} | ${f.figure} | ${cell(f.value.median, d)} | ${same ? '' : cell(f.value.min, d)} | ${same ? '' : cell(f.value.max, d)} | ${f.unit} |`,
    );
  }
  return lines.join('\n');
};
